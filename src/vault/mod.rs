//! Everything that touches the disk: the encrypted record store (one age file per
//! record, atomic saves, quarantine of damaged files, a derived index, backup and
//! restore), plus reading folders of template files.
//!
//! Layout and recovery are documented in docs/vault.md.

pub mod audit;
pub mod backup;
pub mod conflicts;
pub mod crypto;
pub mod error;
pub mod exports;
pub mod fsutil;
pub mod idle;
mod index;
pub mod input;
pub mod keys;
mod reader;
pub mod record;
pub mod saver;
pub mod sync;
pub mod takehome;
pub mod templates;

pub use error::{Result, VaultError};
pub use index::Stamp;
pub use reader::{CacheFile, RecordFile, RecordListing, RecordRead, VaultReader};
pub use record::{NoteSummary, ProcessNoteSummary, RecordBody, RecordKind, SessionSummary};

use crate::model::Couple;
use chrono::{DateTime, Utc};
use crypto::{Cipher, Sealer};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use uuid::Uuid;

/// Format version of the vault layout (`vault.ron`). Format 1 kept every setting in
/// `vault.ron`, in the clear; format 2 keeps them sealed in `settings.age`, and a format 1
/// vault is converted when it is next opened for writing.
pub const VAULT_FORMAT: u32 = 2;
pub const HEADER_FILE: &str = "vault.ron";
/// The practice's settings, sealed to the vault's key (`.ron` in an unencrypted vault).
pub const SETTINGS_AGE: &str = "settings.age";
pub const SETTINGS_RON: &str = "settings.ron";
pub const IDENTITY_FILE: &str = "identity.age";
pub const LOCK_FILE: &str = ".lock";
/// The file Syncthing reads for what not to sync (see `write_sync_ignores`).
pub const STIGNORE_FILE: &str = ".stignore";
const STIGNORE_BEGIN: &str =
    "// Tandem's lines (rewritten when the vault opens; add your own outside this block)";
const STIGNORE_END: &str = "// end of Tandem's lines";

/// What must not travel between devices that sync a vault folder with Syncthing: the
/// lock (each device's own), temporary files, and the derived caches each device builds
/// for itself (the list index and the search cache), and `local/` (this device's id). `(?d)` lets Syncthing delete them
/// when it removes a folder holding them. Records, settings and the audit trail travel.
pub const SYNC_IGNORES: [&str; 6] = [
    "/.lock",
    "(?d)/local",
    "(?d).tandem-tmp-*",
    "(?d)*.tmp",
    "(?d)/records/index.age",
    "(?d)/records/search.age",
];

/// Write Tandem's block of `.stignore` (Syncthing does not sync the file itself, so each
/// device's copy is written by its own Tandem), keeping any lines the therapist added
/// outside the block. Nothing is written when the block is already as it should be.
fn write_sync_ignores(root: &Path) -> std::io::Result<()> {
    let path = root.join(STIGNORE_FILE);
    let existing = match fs::read(&path) {
        Ok(bytes) if bytes.len() <= 64 * 1024 => String::from_utf8_lossy(&bytes).into_owned(),
        // A file too large to be a list of patterns is replaced by Tandem's lines.
        Ok(_) => String::new(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    let mut own = Vec::new();
    let mut inside = false;
    for line in existing.lines() {
        match line.trim() {
            STIGNORE_BEGIN => inside = true,
            STIGNORE_END => inside = false,
            _ if inside => {}
            _ => own.push(line),
        }
    }
    let mut text = String::new();
    text.push_str(STIGNORE_BEGIN);
    text.push('\n');
    for pattern in SYNC_IGNORES {
        text.push_str(pattern);
        text.push('\n');
    }
    text.push_str(STIGNORE_END);
    text.push('\n');
    for line in own {
        text.push_str(line);
        text.push('\n');
    }
    if text == existing {
        return Ok(());
    }
    fsutil::write_atomic(root, STIGNORE_FILE, text.as_bytes())
}
pub const RECORDS_DIR: &str = "records";
pub const QUARANTINE_DIR: &str = "quarantine";
/// Inside `quarantine/`: files the therapist has acknowledged (still kept, never deleted).
pub const ACKNOWLEDGED_DIR: &str = "acknowledged";

/// A damaged file set aside in `quarantine/` that nobody has restored or acknowledged yet:
/// `verify` keeps reporting it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetAside {
    /// Its name in `quarantine/` (the record's kind and file name).
    pub name: String,
    /// Why it was set aside, as Tandem wrote it beside the file (never its content).
    pub reason: String,
}

/// The reason files beside set-aside files are Tandem's own few lines.
const REASON_CAP_BYTES: u64 = 16 * 1024;
/// Largest record file Tandem will read (and import): a year of weekly sessions with
/// long notes is a few MiB, so this leaves room without letting a hostile file fill
/// memory.
pub const MAX_RECORD_BYTES: u64 = 64 * 1024 * 1024;
/// Largest `vault.ron`: a few settings and a list of safety resources, well under 1 KiB
/// in practice.
pub const MAX_HEADER_BYTES: u64 = 1024 * 1024;
/// Largest `identity.age`: one scrypt stanza around a 74-character key, about 300 bytes.
pub const MAX_IDENTITY_BYTES: u64 = 64 * 1024;

/// How records are protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Encryption {
    /// Every record age-encrypted to the vault's identity.
    Age,
    /// Plain RON files. Only with `--insecure-plaintext`.
    None,
}

/// What `vault.ron` holds since format 2, the one plaintext file: only what is needed
/// before the passphrase is given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct PlainHeader {
    format: u32,
    encryption: Encryption,
    #[serde(default)]
    audit_recipient: Option<String>,
}

/// The vault's header and the practice's settings: `vault.ron` (format, encryption, the
/// failed-unlock key) and, sealed, `settings.age` (everything, these included).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub format: u32,
    #[serde(default = "epoch")]
    pub created_at: DateTime<Utc>,
    pub encryption: Encryption,
    /// Lock after this many idle minutes.
    #[serde(default = "ten")]
    pub auto_lock_mins: u32,
    /// The practice's name, printed at the top of every exported page. Not clinical: the
    /// header stays plaintext.
    #[serde(default)]
    pub practice_name: String,
    /// The structure new progress notes are drafted in (each note can change it).
    #[serde(default)]
    pub note_style: crate::model::NoteStyle,
    /// The name a finalized note is signed with, offered by default. The clinician's,
    /// never a client's.
    #[serde(default)]
    pub clinician_name: String,
    /// The clinician's credentials as signed under a progress note (e.g. "LMFT").
    #[serde(default)]
    pub credentials: String,
    /// The clinician's licence number, printed in a progress note's signature block.
    #[serde(default)]
    pub licence_number: String,
    /// Days after the older of the two latest safety screens when a re-screen is due
    /// (unless the therapist wrote a date in the screen).
    #[serde(default = "ninety")]
    pub rescreen_days: u32,
    /// The practice's own safety resources (local helplines, shelters, crisis services),
    /// shown beside a positive screen and on the safety card. Not clinical.
    #[serde(default)]
    pub safety_resources: Vec<String>,
    /// Light, dark or as the system says: how the app looks once this vault is unlocked.
    #[serde(default)]
    pub appearance: crate::model::Appearance,
    /// How exported documents write dates.
    #[serde(default)]
    pub date_style: crate::model::DateStyle,
    /// The folder the last export was written to, offered next time. A path, not clinical
    /// text (though a folder may be named by the therapist as they like).
    #[serde(default)]
    pub export_folder: Option<PathBuf>,
    /// The folder the last take-home worksheet file was written to, offered next time
    /// (and where the file chooser for a filled worksheet starts).
    #[serde(default)]
    pub take_home_folder: Option<PathBuf>,
    /// The public key failed unlocks are written to the audit log with (`audit`): its
    /// secret half is made from the vault's key, so only the passphrase reads them.
    #[serde(default)]
    pub audit_recipient: Option<String>,
}

/// A folder the practice remembers between sessions of work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LastFolder {
    /// Where PDFs were last exported.
    Exports,
    /// Where take-home worksheet files were last written.
    TakeHome,
}

impl LastFolder {
    /// The setting's name, as the audit log names it (never its value).
    pub fn setting(self) -> &'static str {
        match self {
            LastFolder::Exports => "export folder",
            LastFolder::TakeHome => "take-home folder",
        }
    }
}

impl Header {
    /// The folder remembered for `which`, if any.
    pub fn last_folder(&self, which: LastFolder) -> Option<&Path> {
        match which {
            LastFolder::Exports => self.export_folder.as_deref(),
            LastFolder::TakeHome => self.take_home_folder.as_deref(),
        }
    }
}

fn epoch() -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH
}

fn ten() -> u32 {
    10
}

fn ninety() -> u32 {
    90
}

/// How to protect a new vault.
pub enum Protection {
    Passphrase { passphrase: SecretString, log_n: u8 },
    InsecurePlaintext,
}

/// Whether this process may write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    ReadWrite,
    ReadOnly,
}

/// A file that did not load as a record, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileProblem {
    /// Moved to `quarantine/` (read-write) with the reason beside it.
    Quarantined { file: String, reason: String },
    /// Damaged but left in place (read-only access).
    Damaged { file: String, reason: String },
    /// A copy a sync tool made of a conflicting change; never parsed, left for the user.
    Conflict { file: String },
    /// Something else in a records folder; never parsed, left alone.
    Unexpected { file: String },
    /// A record file the index knew that is no longer there (Tandem never deletes one):
    /// reported until it is restored or acknowledged.
    Missing { file: String },
    /// A record whose file went back to a version older than (or beside) one this device
    /// had read: a sync rolled it back (a device back after long offline, a copy put
    /// back), and the newer version is nowhere to be had (when it is beside the record as
    /// a conflict copy, the conflict is what is reported). Reported until a version
    /// following the one seen is there again.
    Behind { file: String },
    /// A sync conflict copy of a file outside the records (the practice's settings, the
    /// header): two devices changed it at once. Kept until acknowledged (then moved to
    /// `resolved/`).
    OtherConflict { file: String },
}

impl std::fmt::Display for FileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileProblem::Quarantined { file, reason } => {
                write!(f, "{file}: damaged, moved to quarantine: {reason}")
            }
            FileProblem::Damaged { file, reason } => write!(f, "{file}: damaged: {reason}"),
            FileProblem::Conflict { file } => {
                write!(
                    f,
                    "{file}: a sync conflict copy (two devices changed one record); settle it in the app under Sync conflicts, where both versions are shown side by side"
                )
            }
            FileProblem::Behind { file } => write!(
                f,
                "{file}: went back to an older version than this device had (a sync rolled it back), and the newer one is in neither the folder nor .stversions: restore it from a backup or from the device that saved it"
            ),
            FileProblem::OtherConflict { file } => write!(
                f,
                "{file}: a sync conflict copy of a vault file (changed on two devices at once); the vault uses the other. If a setting should read as in the copy, set it again (tandem settings); then tandem verify --acknowledge {file} keeps the copy in resolved/"
            ),
            FileProblem::Unexpected { file } => write!(f, "{file}: not a Tandem record, ignored"),
            FileProblem::Missing { file } => write!(
                f,
                "{file}: missing (the vault knew this record and its file is gone); restore it from a backup, or acknowledge it with tandem verify --acknowledge {file}"
            ),
        }
    }
}

/// What opening the vault found: enough to show lists, and every problem by file.
#[derive(Clone, Debug, Default)]
pub struct Scan {
    pub couples: Vec<Couple>,
    pub sessions: Vec<SessionSummary>,
    pub notes: Vec<NoteSummary>,
    pub process_notes: Vec<ProcessNoteSummary>,
    pub problems: Vec<FileProblem>,
}

/// How a file in a records folder is treated.
#[derive(Debug, PartialEq, Eq)]
enum Entry {
    Record(Uuid),
    Temp,
    Conflict,
    Ignored,
    Unexpected,
}

fn classify(name: &str, extension: &str) -> Entry {
    if fsutil::is_temp(name) {
        return Entry::Temp;
    }
    let lower = name.to_lowercase();
    if lower.contains(".sync-conflict-")
        || lower.contains("conflicted copy")
        || lower.contains("(conflict")
    {
        return Entry::Conflict;
    }
    if lower.starts_with(".syncthing.")
        || lower.starts_with(".~")
        || lower.starts_with("~$")
        || lower.ends_with(".tmp")
        || lower.ends_with('~')
        || lower == ".ds_store"
        || lower == "desktop.ini"
        || lower == "thumbs.db"
        || lower.starts_with(".dropbox")
    {
        return Entry::Ignored;
    }
    match name.strip_suffix(extension).map(Uuid::parse_str) {
        Some(Ok(id)) if name == format!("{id}{extension}") => Entry::Record(id),
        _ => Entry::Unexpected,
    }
}

/// The result of reading one record file.
enum ReadOutcome {
    /// The record, and the stamp of the file it was read from.
    Ok(Box<record::Envelope>, Stamp),
    Missing,
    /// Does not decrypt, parse, or match its name: set aside.
    Damaged(String),
    /// The file system refused (permissions, I/O): reported, left in place.
    Unreadable(String),
}

/// An unlocked vault.
pub struct Vault {
    root: PathBuf,
    header: Header,
    /// Why the sealed settings could not be read (the vault then opens with the default
    /// settings, and `verify` reports it; the next settings change writes them anew).
    settings_problem: Option<String>,
    /// Shared only weakly with `VaultReader`s, so dropping the vault (locking) forgets the
    /// key whatever readers are still around.
    cipher: Arc<Cipher>,
    access: Access,
    /// Held for as long as the vault is open read-write (readers hold it weakly, so they
    /// never write once the vault is closed).
    lock: Option<Arc<File>>,
    /// Where the audit log stood after this process's last entry: the anchor written into
    /// every record file saved (shared with the save thread).
    audit_anchor: Arc<Mutex<Option<audit::Anchor>>>,
    /// The anchors seen in the records read and the list index.
    anchors_seen: Mutex<std::collections::BTreeSet<audit::Anchor>>,
    /// Whether an entry has checked the log against `anchors_seen` yet (the first, the
    /// unlock, does).
    anchor_checked: AtomicBool,
    /// Whether the list index's anchor is among `anchors_seen` (a scan reads it).
    index_anchor_read: AtomicBool,
    /// This device's id in this folder (`sync::device_id`).
    device: String,
    /// The version of each record as this process read or wrote it (shared with the save
    /// thread).
    known: sync::Known,
    /// Which added clinician's key unlocked it (`None`: the first clinician's, or no
    /// encryption).
    unlocked_by: Option<String>,
}

/// Read and check `vault.ron`. For a format 2 vault that is the format, the encryption
/// and the failed-unlock key: the settings are sealed, read by `Vault::open`, and left at
/// their defaults here.
pub fn read_header(root: &Path) -> Result<Header> {
    let path = root.join(HEADER_FILE);
    let bytes = match input::read_regular(&path, "vault header", MAX_HEADER_BYTES) {
        Ok((bytes, _)) => bytes,
        Err(e) if e.is_not_found() => return Err(VaultError::NotAVault(root.to_path_buf())),
        Err(e) => return Err(e.into()),
    };
    let text = String::from_utf8(bytes)
        .map_err(|_| VaultError::Header(format!("{HEADER_FILE} is not UTF-8 text")))?;
    let header: Header =
        ron::from_str(&text).map_err(|e| VaultError::Header(format!("{HEADER_FILE}: {e}")))?;
    if header.format != 1 && header.format != VAULT_FORMAT {
        return Err(VaultError::Format {
            found: header.format,
            supported: VAULT_FORMAT,
        });
    }
    Ok(header)
}

/// The sealed settings of a format 2 vault, over the plain header's format, encryption and
/// failed-unlock key. The error says why without any content.
fn read_settings(
    root: &Path,
    cipher: &Cipher,
    plain: &Header,
) -> std::result::Result<Header, String> {
    let name = settings_name(cipher);
    let (sealed, _) = input::read_regular(&root.join(name), "settings file", MAX_HEADER_BYTES)
        .map_err(|e| format!("{name}: {}", e.reason()))?;
    let text = cipher
        .open(&sealed)
        .map_err(|why| format!("{name}: {why}"))?;
    let mut header: Header = ron::from_str(&String::from_utf8_lossy(&text)).map_err(|e| {
        format!(
            "{name}: not the practice's settings (at {}:{})",
            e.span.start.line, e.span.start.col
        )
    })?;
    header.format = plain.format;
    header.encryption = plain.encryption;
    header.audit_recipient = plain.audit_recipient.clone();
    Ok(header)
}

fn settings_name(cipher: &Cipher) -> &'static str {
    if matches!(cipher, Cipher::Age(_)) {
        SETTINGS_AGE
    } else {
        SETTINGS_RON
    }
}

/// Write the header: the settings sealed in `settings.age` first, then `vault.ron` with
/// only the format, the encryption and the failed-unlock key (so a crash between the two
/// leaves the old `vault.ron`, whose settings are the ones just sealed or older).
fn write_header(root: &Path, cipher: &Cipher, header: &Header) -> Result<()> {
    let mut header = header.clone();
    header.format = VAULT_FORMAT;
    let text = ron::to_string(&header).map_err(|e| VaultError::Header(e.to_string()))?;
    let sealed = cipher.sealer().seal(text.as_bytes())?;
    let name = settings_name(cipher);
    fsutil::write_atomic(root, name, &sealed).map_err(io_at("cannot write", &root.join(name)))?;
    let plain = PlainHeader {
        format: VAULT_FORMAT,
        encryption: header.encryption,
        audit_recipient: header.audit_recipient.clone(),
    };
    let text = ron::ser::to_string_pretty(&plain, ron::ser::PrettyConfig::default())
        .map_err(|e| VaultError::Header(e.to_string()))?;
    fsutil::write_atomic(root, HEADER_FILE, text.as_bytes())
        .map_err(io_at("cannot write", &root.join(HEADER_FILE)))
}

fn take_lock(root: &Path) -> Result<File> {
    let path = root.join(LOCK_FILE);
    let mut options = fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options
        .open(&path)
        .map_err(|e| VaultError::io(format!("cannot open {}", path.display()), e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(VaultError::InUse),
        Err(fs::TryLockError::Error(e)) => {
            Err(VaultError::io(format!("cannot lock {}", path.display()), e))
        }
    }
}

/// Read `identity.age` (a regular file, size-capped).
fn read_identity(path: &Path) -> Result<Vec<u8>> {
    Ok(input::read_regular(path, "key file", MAX_IDENTITY_BYTES)?.0)
}

fn io_at(what: &str, path: &Path) -> impl FnOnce(std::io::Error) -> VaultError {
    let what = format!("{what} {}", path.display());
    move |e| VaultError::io(what, e)
}

impl Vault {
    /// Create a new vault in `root` (which must not hold one yet).
    pub fn init(root: &Path, protection: Protection, now: DateTime<Utc>) -> Result<Vault> {
        if root.join(HEADER_FILE).exists() {
            return Err(VaultError::AlreadyExists(root.to_path_buf()));
        }
        fsutil::create_private_dir(root).map_err(io_at("cannot create", root))?;
        let lock = take_lock(root)?;
        write_sync_ignores(root).map_err(io_at("cannot write", &root.join(STIGNORE_FILE)))?;
        for kind in RecordKind::ALL {
            let dir = root.join(RECORDS_DIR).join(kind.folder());
            fsutil::create_private_dir(&dir).map_err(io_at("cannot create", &dir))?;
        }
        let (encryption, cipher) = match protection {
            Protection::Passphrase { passphrase, log_n } => {
                crypto::check_strength(&passphrase)?;
                let identity = crypto::generate_identity();
                let wrapped = crypto::wrap_identity(&identity, &passphrase, log_n)?;
                fsutil::write_atomic(root, IDENTITY_FILE, &wrapped)
                    .map_err(io_at("cannot write", &root.join(IDENTITY_FILE)))?;
                (Encryption::Age, Arc::new(Cipher::age(identity)))
            }
            Protection::InsecurePlaintext => (Encryption::None, Arc::new(Cipher::Plain)),
        };
        let header = Header {
            format: VAULT_FORMAT,
            created_at: now,
            encryption,
            auto_lock_mins: 10,
            practice_name: String::new(),
            note_style: crate::model::NoteStyle::default(),
            clinician_name: String::new(),
            credentials: String::new(),
            licence_number: String::new(),
            rescreen_days: ninety(),
            safety_resources: Vec::new(),
            export_folder: None,
            take_home_folder: None,
            appearance: crate::model::Appearance::default(),
            date_style: crate::model::DateStyle::default(),
            audit_recipient: audit::notice_recipient(&cipher),
        };
        // The header goes last: a folder without it is not a vault, so a crash during
        // init never leaves a half-made vault that looks whole.
        write_header(root, &cipher, &header)?;
        Ok(Vault {
            root: root.to_path_buf(),
            header,
            settings_problem: None,
            cipher,
            access: Access::ReadWrite,
            lock: Some(Arc::new(lock)),
            audit_anchor: Arc::default(),
            anchors_seen: Mutex::default(),
            anchor_checked: AtomicBool::new(false),
            index_anchor_read: AtomicBool::new(false),
            device: sync::device_id(root),
            known: sync::Known::default(),
            unlocked_by: None,
        })
    }

    /// Unlock an existing vault. `passphrase` is ignored for a plaintext vault.
    /// Read-write access takes the vault's lock and fails with `InUse` if another
    /// process holds it; read-only access never writes.
    pub fn open(root: &Path, passphrase: Option<&SecretString>, access: Access) -> Result<Vault> {
        let header = read_header(root)?;
        let lock = match access {
            Access::ReadWrite => Some(Arc::new(take_lock(root)?)),
            Access::ReadOnly => None,
        };
        let (cipher, unlocked_by) = match header.encryption {
            Encryption::Age => {
                let passphrase = passphrase.ok_or(VaultError::WrongPassphrase)?;
                let (cipher, by) = keys::unlock(root, passphrase)?;
                (Arc::new(cipher), by)
            }
            Encryption::None => (Arc::new(Cipher::Plain), None),
        };
        let (header, settings_problem) = if header.format == 1 {
            (header, None)
        } else {
            match read_settings(root, &cipher, &header) {
                Ok(full) => (full, None),
                Err(why) => (header, Some(why)),
            }
        };
        let mut vault = Vault {
            root: root.to_path_buf(),
            header,
            settings_problem,
            cipher,
            access,
            lock,
            audit_anchor: Arc::default(),
            anchors_seen: Mutex::default(),
            anchor_checked: AtomicBool::new(false),
            index_anchor_read: AtomicBool::new(false),
            device: sync::device_id(root),
            known: sync::Known::default(),
            unlocked_by,
        };
        if access == Access::ReadWrite {
            vault.remove_leftover_temp_files();
            // Best effort, and tried again at every open: the vault works without it (only a
            // folder synced with Syncthing needs it), and a vault whose disk just filled
            // must still open.
            let _ = write_sync_ignores(&vault.root);
            // A vault made before failed unlocks were encrypted gets its key's public half.
            // A format 1 vault has its settings sealed and `vault.ron` emptied of them.
            let recipient = audit::notice_recipient(&vault.cipher);
            if vault.header.audit_recipient != recipient || vault.header.format != VAULT_FORMAT {
                let mut header = vault.header.clone();
                header.audit_recipient = recipient;
                header.format = VAULT_FORMAT;
                write_header(&vault.root, &vault.cipher, &header)?;
                vault.header = header;
            }
        }
        Ok(vault)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Why the practice's sealed settings could not be read, if they could not.
    pub fn settings_problem(&self) -> Option<&str> {
        self.settings_problem.as_deref()
    }

    pub fn access(&self) -> Access {
        self.access
    }

    /// The public half of the key, for a save thread.
    pub fn sealer(&self) -> Sealer {
        self.cipher.sealer()
    }

    pub(crate) fn extension(&self) -> &'static str {
        extension_for(self.header.encryption)
    }

    fn kind_dir(&self, kind: RecordKind) -> PathBuf {
        self.store().kind_dir(kind)
    }

    /// What reading and setting aside record files needs.
    fn store(&self) -> Store<'_> {
        Store {
            root: &self.root,
            cipher: &self.cipher,
            access: self.access,
        }
    }

    /// A reader for another thread: lists and reads records, and reads and writes the
    /// search cache, for as long as this vault is open. It shares the key without
    /// keeping it: once the vault is dropped (locked), its readers fail with `Locked`.
    pub fn reader(&self) -> VaultReader {
        VaultReader::new(
            self.root.clone(),
            self.extension(),
            self.access,
            Arc::downgrade(&self.cipher),
            self.lock.as_ref().map(Arc::downgrade),
        )
    }

    fn file_name(&self, id: Uuid) -> String {
        format!("{id}{}", self.extension())
    }

    /// Temp files left by a save that never finished were never acknowledged: remove them.
    fn remove_leftover_temp_files(&self) {
        // `records/` itself holds the derived caches, written the same way.
        let mut dirs = vec![self.root.clone(), self.root.join(RECORDS_DIR)];
        dirs.extend(RecordKind::ALL.map(|k| self.kind_dir(k)));
        for dir in dirs {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                if fsutil::is_temp(&entry.file_name().to_string_lossy()) {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
    }

    fn check_writable(&self) -> Result<()> {
        match self.access {
            Access::ReadWrite => Ok(()),
            Access::ReadOnly => Err(VaultError::ReadOnly),
        }
    }

    /// Save a record: returns once it is on disk (renamed into place, folder synced), with
    /// the stamp of the file written.
    pub fn save(&self, body: &RecordBody, now: DateTime<Utc>) -> Result<Stamp> {
        self.check_writable()?;
        write_record(
            &RecordWriter {
                root: &self.root,
                sealer: &self.sealer(),
                extension: self.extension(),
                device: &self.device,
                known: &self.known,
                opener: Some(&self.cipher),
            },
            body,
            now,
            self.current_anchor(),
        )
    }

    /// This device's id in this vault folder.
    pub fn device(&self) -> &str {
        &self.device
    }

    /// What this process knows of each record's version (for the save thread).
    pub(crate) fn known(&self) -> sync::Known {
        Arc::clone(&self.known)
    }

    /// Remember the version of a record file as read (a save goes on from it).
    fn saw_version(&self, id: Uuid, version: &sync::Version, stamp: Stamp) {
        sync::remember(
            &self.known,
            id,
            sync::Seen {
                version: version.clone(),
                stamp: Some(stamp),
            },
        );
    }

    fn current_anchor(&self) -> Option<audit::Anchor> {
        self.audit_anchor
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn set_anchor(&self, anchor: audit::Anchor) {
        let mut held = self
            .audit_anchor
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if held.as_ref().is_none_or(|a| a.seq < anchor.seq) {
            *held = Some(anchor);
        }
    }

    /// The audit log's entry count as this process last wrote it, shared with a save
    /// thread so that every record it writes is anchored.
    pub(crate) fn audit_counter(&self) -> Arc<Mutex<Option<audit::Anchor>>> {
        Arc::clone(&self.audit_anchor)
    }

    fn saw_anchor(&self, anchor: Option<&audit::Anchor>) {
        if let Some(anchor) = anchor {
            self.anchors_seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(anchor.clone());
        }
    }

    fn anchors_known(&self) -> Vec<audit::Anchor> {
        self.anchors_seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }

    /// Read and check one record file.
    fn read_one(&self, kind: RecordKind, id: Uuid, name: &str) -> ReadOutcome {
        self.store().read_one(kind, id, name)
    }

    /// Turn a failed read into a reported problem, setting damaged files aside.
    fn problem(&self, kind: RecordKind, name: &str, outcome: ReadOutcome) -> Option<FileProblem> {
        self.store().problem(kind, name, outcome)
    }

    /// Every record of one kind that opens (a damaged file is set aside and left out, as
    /// `scan` does; `verify` reports it). For the few records of a kind no list shows
    /// (protocol versions).
    pub fn records_of(&self, kind: RecordKind) -> Result<Vec<RecordBody>> {
        let dir = self.kind_dir(kind);
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_at("cannot list", &dir)(e)),
        };
        let mut names: Vec<(Uuid, String)> = entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                match classify(&name, self.extension()) {
                    Entry::Record(id) => Some((id, name)),
                    _ => None,
                }
            })
            .collect();
        names.sort_by(|a, b| a.1.cmp(&b.1));
        let mut records = Vec::new();
        for (id, name) in names {
            match self.read_one(kind, id, &name) {
                ReadOutcome::Ok(envelope, _) => records.push(envelope.body),
                other => {
                    let _ = self.problem(kind, &name, other);
                }
            }
        }
        Ok(records)
    }

    /// Load one record. A damaged file is set aside (see `set_aside`) and reported.
    pub fn load(&self, kind: RecordKind, id: Uuid) -> Result<RecordBody> {
        let name = self.file_name(id);
        match self.read_one(kind, id, &name) {
            ReadOutcome::Ok(envelope, stamp) => {
                self.saw_anchor(envelope.audit.as_ref());
                self.saw_version(id, &envelope.version, stamp);
                Ok(envelope.body)
            }
            ReadOutcome::Missing => Err(VaultError::NotFound {
                kind: kind.name(),
                id,
            }),
            other => {
                let problem = self.problem(kind, &name, other);
                Err(VaultError::Damaged {
                    file: format!("{}/{name}", kind.folder()),
                    reason: problem.map_or_else(String::new, |p| p.to_string()),
                })
            }
        }
    }

    /// A couple's course record, or a new empty one if none was saved yet. A damaged
    /// one is set aside by `load` and the error returned: never silently replaced.
    pub fn course(&self, couple: crate::model::CoupleId) -> Result<crate::model::Course> {
        match self.load(RecordKind::Course, couple.0) {
            Ok(RecordBody::Course(c)) => Ok(c),
            Ok(_) => Err(VaultError::Invalid("not a course record".into())),
            Err(VaultError::NotFound { .. }) => Ok(crate::model::Course::new(couple)),
            Err(e) => Err(e),
        }
    }

    /// Every session of one couple among `summaries`, oldest first, and how many could not
    /// be opened (those are set aside by `load` and reported by `verify`).
    pub fn couple_sessions(
        &self,
        summaries: &[SessionSummary],
        couple: crate::model::CoupleId,
    ) -> (Vec<crate::model::Session>, usize) {
        let mut sessions = Vec::new();
        let mut unreadable = 0;
        for summary in summaries.iter().filter(|s| s.couple == couple) {
            match self.load(RecordKind::Session, summary.id.0) {
                Ok(RecordBody::Session(s)) => sessions.push(s),
                _ => unreadable += 1,
            }
        }
        sessions.sort_by_key(|s| s.started_at);
        (sessions, unreadable)
    }

    /// Every process note of one couple, oldest first, and how many process-note files
    /// could not be opened (of any couple: a damaged file does not say whose it is; they
    /// are set aside as in `load`). No list or index holds process notes, so this reads
    /// their folder; only the explicit process-notes export calls it.
    pub fn couple_process_notes(
        &self,
        couple: crate::model::CoupleId,
    ) -> Result<(Vec<crate::model::ProcessNote>, usize)> {
        let listing = list_files(&self.root, self.extension())?;
        let mut notes = Vec::new();
        let mut unreadable = 0;
        for (kind, id, name, _) in listing.files {
            if kind != RecordKind::ProcessNote {
                continue;
            }
            match self.read_one(kind, id, &name) {
                ReadOutcome::Ok(envelope, _) => {
                    if let RecordBody::ProcessNote(note) = envelope.body
                        && note.couple == couple
                    {
                        notes.push(note);
                    }
                }
                ReadOutcome::Missing => {}
                other => {
                    // Reported by `verify`; here only counted.
                    let _ = self.problem(kind, &name, other);
                    unreadable += 1;
                }
            }
        }
        notes.sort_by_key(|n| (n.written_at, n.id));
        Ok((notes, unreadable))
    }

    /// What the lists need, fast: summaries come from the derived index where a file is
    /// unchanged since it was indexed, and from the file itself otherwise. Damaged files
    /// are set aside and reported; everything else loads.
    pub fn scan(&self) -> Result<Scan> {
        let listing = list_files(&self.root, self.extension())?;
        self.scan_listing(listing)
    }

    /// Unlock and scan, listing the folders on a second thread while the passphrase is
    /// being checked (listing needs no key). What the app calls to show its lists.
    pub fn open_and_scan(
        root: &Path,
        passphrase: Option<&SecretString>,
        access: Access,
    ) -> Result<(Vault, Scan)> {
        let header = read_header(root)?;
        let extension = extension_for(header.encryption);
        let list_root = root.to_path_buf();
        let lister = std::thread::spawn(move || list_files(&list_root, extension));
        let vault = Vault::open(root, passphrase, access);
        let listing = lister.join().map_err(|_| {
            VaultError::io(
                "cannot list the vault",
                std::io::Error::other("the listing thread failed"),
            )
        })?;
        let vault = vault?;
        let scan = vault.scan_listing(listing?)?;
        Ok((vault, scan))
    }

    fn scan_listing(&self, listing: Listing) -> Result<Scan> {
        let mut scan = Scan {
            problems: listing.problems,
            ..Scan::default()
        };
        let old = index::read(&self.root, &self.cipher);
        let mut changed = old.is_none();
        let (mut old_entries, old_missing, old_anchor, old_behind) = old
            .map(|i| (i.entries, i.missing, i.anchor, i.behind))
            .unwrap_or_default();
        let mut anchor = old_anchor.clone();
        // Files this scan sets aside (damaged): reported as such, never as missing.
        let mut set_aside_now: std::collections::BTreeSet<String> =
            std::collections::BTreeSet::new();
        let old_count = old_entries.len();
        let mut fresh = index::Index::default();
        let mut behind = old_behind;
        for (kind, id, name, listed) in listing.files {
            let key = format!("{}/{name}", kind.folder());
            let (summary, stamp, version) = match old_entries.remove(&key) {
                Some(entry) if entry.stamp == listed => (entry.summary, listed, entry.version),
                previous => {
                    changed = true;
                    match self.read_one(kind, id, &name) {
                        // Stamped as read: a file replaced since it was listed is read
                        // again next time.
                        ReadOutcome::Ok(envelope, stamp) => {
                            if envelope.audit.as_ref().map(|a| a.seq)
                                > anchor.as_ref().map(|a| a.seq)
                            {
                                anchor.clone_from(&envelope.audit);
                            }
                            // A file that went back to a version older than (or beside)
                            // the one this device last read is not the newer one.
                            if let Some(previous) = previous
                                && !previous.version.is_empty()
                                && matches!(
                                    envelope.version.order(&previous.version),
                                    sync::Order::Older | sync::Order::Concurrent
                                )
                            {
                                let seen = behind
                                    .get(&key)
                                    .map_or(previous.version.clone(), |v: &sync::Version| {
                                        v.joined(&previous.version)
                                    });
                                behind.insert(key.clone(), seen);
                            }
                            (index::Summary::of(&envelope.body), stamp, envelope.version)
                        }
                        other => {
                            set_aside_now.insert(key.clone());
                            scan.problems.extend(self.problem(kind, &name, other));
                            continue;
                        }
                    }
                }
            };
            if behind.get(&key).is_some_and(|seen| {
                matches!(version.order(seen), sync::Order::Same | sync::Order::Newer)
            }) {
                behind.remove(&key);
                changed = true;
            }
            match &summary {
                index::Summary::Couple(c) => scan.couples.push(c.clone()),
                index::Summary::Session(s) => scan.sessions.push(s.clone()),
                index::Summary::Note(n) => scan.notes.push(n.clone()),
                index::Summary::ProcessNote(n) => scan.process_notes.push(n.clone()),
                index::Summary::Unlisted => {}
            }
            self.known
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .entry(id)
                .or_insert_with(|| sync::Seen {
                    version: version.clone(),
                    stamp: Some(stamp),
                });
            fresh.entries.insert(
                key,
                index::Entry {
                    stamp,
                    summary,
                    version,
                },
            );
        }
        // A version this device saw that sync replaced may still be in Syncthing's
        // `.stversions`: brought back beside the record as a conflict copy.
        behind.retain(|key, _| fresh.entries.contains_key(key));
        for (key, seen) in &behind {
            let recovered = match self.key_parts(key) {
                Some((kind, id)) if self.access == Access::ReadWrite => {
                    self.recover_from_versions(kind, id, seen)
                }
                Some(_) => self.has_newer_copy(key, seen),
                None => false,
            };
            // With the version seen beside it as a conflict copy, the conflict says it all.
            if !recovered {
                scan.problems
                    .push(FileProblem::Behind { file: key.clone() });
            }
        }
        changed |= behind != fresh.behind;
        fresh.behind = behind;
        // Whatever the index knew that was neither listed nor set aside now is gone; with
        // what was already missing and is still not back, it stays reported.
        let listed: std::collections::BTreeSet<&String> = fresh.entries.keys().collect();
        let mut missing: std::collections::BTreeSet<String> = old_missing
            .into_iter()
            .filter(|key| !listed.contains(key))
            .collect();
        missing.extend(
            old_entries
                .into_keys()
                .filter(|key| !set_aside_now.contains(key)),
        );
        // A file Tandem set aside (in quarantine/, acknowledged or not) is reported there,
        // not as missing.
        let quarantined = self.quarantined_names();
        missing.retain(|key| {
            let file = key.rsplit('/').next().unwrap_or(key);
            !quarantined.iter().any(|q| q.ends_with(&format!("-{file}")))
        });
        changed |= missing != fresh.missing;
        for file in &missing {
            scan.problems
                .push(FileProblem::Missing { file: file.clone() });
        }
        fresh.missing = missing;
        self.saw_anchor(anchor.as_ref());
        self.index_anchor_read.store(true, Ordering::SeqCst);
        changed |= anchor != old_anchor;
        fresh.anchor = anchor;
        changed |= fresh.entries.len() != old_count;
        if changed && self.access == Access::ReadWrite {
            // Derived data: a failure to write it only costs speed next time.
            let _ = index::write(&self.root, &self.sealer(), &fresh);
        }
        scan.couples
            .sort_by(|a, b| a.code.cmp(&b.code).then(a.id.cmp(&b.id)));
        scan.sessions
            .sort_by(|a, b| a.started_at.cmp(&b.started_at).then(a.id.cmp(&b.id)));
        Ok(scan)
    }

    /// Open every record file (ignoring the index) and report every problem. Damaged
    /// files are set aside as in `scan`.
    pub fn verify(&self) -> Result<Verified> {
        let mut records = Vec::new();
        let problems = self.verify_each(|body| records.push(body))?;
        Ok(Verified { records, problems })
    }

    /// As `verify`, handing each record that opens to `each` instead of keeping them
    /// all: memory stays that of one record whatever the vault's size (restore checks a
    /// whole vault this way).
    pub fn verify_each(&self, mut each: impl FnMut(RecordBody)) -> Result<Vec<FileProblem>> {
        let listing = list_files(&self.root, self.extension())?;
        let mut problems = listing.problems;
        for (kind, id, name, _) in listing.files {
            match self.read_one(kind, id, &name) {
                ReadOutcome::Ok(envelope, _) => {
                    self.saw_anchor(envelope.audit.as_ref());
                    each(envelope.body)
                }
                other => problems.extend(self.problem(kind, &name, other)),
            }
        }
        Ok(problems)
    }

    /// Change the passphrase. The identity file is replaced atomically, so the old
    /// passphrase works until the instant the new one does; records are untouched.
    pub fn change_passphrase(
        &self,
        old: &SecretString,
        new: &SecretString,
        log_n: u8,
    ) -> Result<()> {
        self.check_writable()?;
        if self.header.encryption != Encryption::Age {
            return Err(VaultError::Crypto("this vault is not encrypted".into()));
        }
        crypto::check_strength(new)?;
        // Each clinician changes their own: the first's wraps the practice's key in
        // `identity.age`, an added one's their own key in `keys/<id>.age`.
        let (dir, name) = match &self.unlocked_by {
            Some(id) => (self.root.join(keys::KEYS_DIR), format!("{id}.age")),
            None => (self.root.clone(), IDENTITY_FILE.to_string()),
        };
        let path = dir.join(&name);
        let wrapped = read_identity(&path)?;
        let identity = crypto::unwrap_identity(&wrapped, old)?;
        let rewrapped = crypto::wrap_identity(&identity, new, log_n)?;
        fsutil::write_atomic(&dir, &name, &rewrapped).map_err(io_at("cannot write", &path))
    }

    /// Whether `passphrase` is this vault's passphrase (hand-over mode asks for it before
    /// the therapist's view comes back). Costs one key derivation, like an unlock.
    pub fn check_passphrase(&self, passphrase: &SecretString) -> Result<bool> {
        self.passphrase_check()?.check(passphrase)
    }

    /// What checking a passphrase needs, to do it on another thread (it costs one key
    /// derivation).
    pub fn passphrase_check(&self) -> Result<PassphraseCheck> {
        if self.header.encryption != Encryption::Age {
            return Err(VaultError::Crypto(
                "this vault has no passphrase, so it cannot protect a hand-over".into(),
            ));
        }
        // The passphrase of the clinician who unlocked: their own key when it was not
        // the first clinician's.
        if let Some(id) = &self.unlocked_by {
            let dir = self.root.join(keys::KEYS_DIR);
            let wrapped = read_identity(&dir.join(format!("{id}.age")))?;
            let recipient =
                String::from_utf8_lossy(&read_identity(&dir.join(format!("{id}.pub")))?)
                    .trim()
                    .to_string();
            return Ok(PassphraseCheck { wrapped, recipient });
        }
        let path = self.root.join(IDENTITY_FILE);
        let wrapped = read_identity(&path)?;
        Ok(PassphraseCheck {
            wrapped,
            recipient: self.cipher.recipient().unwrap_or_default(),
        })
    }

    /// Set the idle time after which the app locks (1 to 240 minutes), saved in
    /// `vault.ron`.
    pub fn set_auto_lock_mins(&mut self, mins: u32) -> Result<()> {
        self.check_writable()?;
        if !(1..=240).contains(&mins) {
            return Err(VaultError::Invalid(format!(
                "auto-lock after {mins} minutes: choose between 1 and 240"
            )));
        }
        self.update_header(|header| {
            header.auto_lock_mins = mins;
        })
    }

    /// Change the settings: `change` on a copy, written sealed, then kept; the header in
    /// memory is left as it was when the write fails.
    fn update_header(&mut self, change: impl FnOnce(&mut Header)) -> Result<()> {
        let mut header = self.header.clone();
        change(&mut header);
        write_header(&self.root, &self.cipher, &header)?;
        self.header = header;
        Ok(())
    }

    /// Set how the app looks (light, dark, or as the system says).
    pub fn set_appearance(&mut self, appearance: crate::model::Appearance) -> Result<()> {
        self.check_writable()?;
        self.update_header(|header| {
            header.appearance = appearance;
        })
    }

    /// Set how exported documents write dates.
    pub fn set_date_style(&mut self, style: crate::model::DateStyle) -> Result<()> {
        self.check_writable()?;
        self.update_header(|header| {
            header.date_style = style;
        })
    }

    /// Add an entry to the audit log (also in a read-only vault: the log has its own lock
    /// and is the one file read-only access writes). `detail` holds fixed words only.
    pub fn audit(
        &self,
        action: audit::AuditAction,
        record: Option<Uuid>,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        // The first entry (the unlock) checks the log against the records' anchors.
        let anchors = if self.anchor_checked.swap(true, Ordering::SeqCst) {
            Vec::new()
        } else {
            self.known_anchors()
        };
        let anchor = audit::record(
            &self.root,
            &self.cipher,
            &audit::AuditEvent {
                actor: audit::actor(&self.header.clinician_name),
                action,
                record,
                detail: detail.to_string(),
            },
            &anchors,
            now,
        )?;
        self.set_anchor(anchor);
        Ok(())
    }

    /// The anchors known: of the records read so far and of the list index.
    fn known_anchors(&self) -> Vec<audit::Anchor> {
        if !self.index_anchor_read.swap(true, Ordering::SeqCst)
            && let Some(index) = index::read(&self.root, &self.cipher)
        {
            self.saw_anchor(index.anchor.as_ref());
        }
        self.anchors_known()
    }

    /// Log a restore in a vault just restored from a backup (see `audit::record_restore`).
    pub fn audit_restore(&self, now: DateTime<Utc>) -> Result<()> {
        let anchor = audit::record_restore(
            &self.root,
            &self.cipher,
            &audit::actor(&self.header.clinician_name),
            now,
        )?;
        self.set_anchor(anchor);
        Ok(())
    }

    /// Check the audit log against its chain and sealed head, and against the anchors of
    /// the records read so far (all of them after `verify`) and of the list index.
    pub fn verify_audit(&self) -> Result<audit::AuditCheck> {
        audit::verify(&self.root, &self.cipher, &self.known_anchors())
    }

    /// The audit log's entries from line `from` on (see `audit::entries_since`).
    pub fn audit_entries_since(
        &self,
        from: usize,
        hash_at_from: Option<&str>,
    ) -> Result<audit::Since> {
        audit::entries_since(&self.root, &self.cipher, from, hash_at_from)
    }

    /// The audit log's entries that open with this vault's key, oldest first.
    pub fn audit_entries(&self) -> Result<Vec<audit::AuditEntry>> {
        audit::entries(&self.root, &self.cipher)
    }

    /// Set the practice name printed on exported documents, saved in `vault.ron`.
    pub fn set_practice_name(&mut self, name: &str) -> Result<()> {
        self.check_writable()?;
        let name = name.trim();
        if name.chars().count() > 120 || name.chars().any(char::is_control) {
            return Err(VaultError::Invalid(
                "the practice name must be one line of at most 120 characters".into(),
            ));
        }
        self.update_header(|header| {
            header.practice_name = name.to_string();
        })
    }

    /// Set the note style new notes are drafted in, and the name notes are signed with.
    pub fn set_note_defaults(
        &mut self,
        style: crate::model::NoteStyle,
        clinician_name: &str,
    ) -> Result<()> {
        self.check_writable()?;
        let name = clinician_name.trim();
        if name.chars().count() > 120 || name.chars().any(char::is_control) {
            return Err(VaultError::Invalid(
                "the clinician's name must be one line of at most 120 characters".into(),
            ));
        }
        self.update_header(|header| {
            header.note_style = style;
            header.clinician_name = name.to_string();
        })
    }

    /// Set the credentials and licence number a progress note's signature block shows
    /// (each one line of at most 80 characters; blank leaves them out).
    pub fn set_credentials(&mut self, credentials: &str, licence_number: &str) -> Result<()> {
        self.check_writable()?;
        let (credentials, licence_number) = (credentials.trim(), licence_number.trim());
        if [credentials, licence_number]
            .iter()
            .any(|t| t.chars().count() > 80 || t.chars().any(char::is_control))
        {
            return Err(VaultError::Invalid(
                "credentials and the licence number must each be one line of at most 80 characters"
                    .into(),
            ));
        }
        self.update_header(|header| {
            header.credentials = credentials.to_string();
            header.licence_number = licence_number.to_string();
        })
    }

    /// Set the re-screen interval (7 to 730 days) and the practice's safety resources
    /// (each one line of at most 200 characters, at most 20).
    pub fn set_safety_settings(&mut self, rescreen_days: u32, resources: &[String]) -> Result<()> {
        self.check_writable()?;
        if !(7..=730).contains(&rescreen_days) {
            return Err(VaultError::Invalid(
                "the re-screen interval must be between 7 and 730 days".into(),
            ));
        }
        let resources: Vec<String> = resources
            .iter()
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect();
        if resources.len() > 20
            || resources
                .iter()
                .any(|r| r.chars().count() > 200 || r.chars().any(char::is_control))
        {
            return Err(VaultError::Invalid(
                "safety resources must be at most 20 lines of at most 200 characters each".into(),
            ));
        }
        self.update_header(|header| {
            header.rescreen_days = rescreen_days;
            header.safety_resources = resources;
        })
    }

    /// Remember `folder` for `which` in `vault.ron`, offered the next time (a path of at
    /// most 4096 bytes, one line).
    pub fn set_last_folder(&mut self, which: LastFolder, folder: &Path) -> Result<()> {
        self.check_writable()?;
        let text = folder.to_string_lossy();
        if folder.as_os_str().is_empty()
            || folder.as_os_str().len() > 4096
            || text.chars().any(char::is_control)
        {
            return Err(VaultError::Invalid(
                "a folder to remember must be one line of at most 4096 bytes".into(),
            ));
        }
        self.update_header(|header| {
            let slot = match which {
                LastFolder::Exports => &mut header.export_folder,
                LastFolder::TakeHome => &mut header.take_home_folder,
            };
            *slot = Some(folder.to_path_buf());
        })
    }

    /// Lock: forget the key and everything decrypted with it.
    /// The same vault, read-only from now on (its write lock released): for a disk that
    /// turned out to be full or read-only.
    pub fn into_read_only(mut self) -> Vault {
        self.lock = None;
        self.access = Access::ReadOnly;
        self
    }

    pub fn lock(self) -> LockedVault {
        LockedVault {
            root: self.root,
            access: self.access,
        }
    }
}

/// The vault's wrapped key and public key: enough to tell whether a passphrase is the
/// vault's, and nothing more.
pub struct PassphraseCheck {
    wrapped: Vec<u8>,
    recipient: String,
}

impl Vault {
    /// The damaged files set aside in `quarantine/` and not yet acknowledged, by name. A
    /// file restored by hand (moved back into `records/`) leaves this list by itself.
    pub fn set_aside_files(&self) -> Result<Vec<SetAside>> {
        let dir = self.root.join(QUARANTINE_DIR);
        let listing = match fs::read_dir(&dir) {
            Ok(listing) => listing,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(VaultError::io(format!("cannot list {}", dir.display()), e)),
        };
        let mut found = Vec::new();
        for entry in listing.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_file = entry.file_type().is_ok_and(|t| t.is_file());
            if !is_file || name.ends_with(".reason.txt") {
                continue;
            }
            let reason = input::read_regular(
                &dir.join(format!("{name}.reason.txt")),
                "set-aside reason",
                REASON_CAP_BYTES,
            )
            .ok()
            .and_then(|(bytes, _)| {
                String::from_utf8_lossy(&bytes)
                    .lines()
                    .nth(1)
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "no reason was written beside it".into());
            found.push(SetAside { name, reason });
        }
        found.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(found)
    }

    /// The names of every file in `quarantine/` and `quarantine/acknowledged/`.
    fn quarantined_names(&self) -> Vec<String> {
        let dir = self.root.join(QUARANTINE_DIR);
        [dir.clone(), dir.join(ACKNOWLEDGED_DIR)]
            .iter()
            .filter_map(|d| fs::read_dir(d).ok())
            .flat_map(|listing| listing.flatten())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.ends_with(".reason.txt"))
            .collect()
    }

    /// The record files the index knew that are gone (see `FileProblem::Missing`), as of
    /// a fresh scan.
    pub fn missing_records(&self) -> Result<Vec<String>> {
        Ok(self
            .scan()?
            .problems
            .into_iter()
            .filter_map(|p| match p {
                FileProblem::Missing { file } => Some(file),
                _ => None,
            })
            .collect())
    }

    /// The therapist knows a record file is gone for good (no backup has it): it is no
    /// longer reported. Returns whether `file` was one the index held as missing.
    pub fn acknowledge_missing(&self, file: &str) -> Result<bool> {
        self.check_writable()?;
        let Some(mut known) = index::read(&self.root, &self.cipher) else {
            return Ok(false);
        };
        if !known.missing.remove(file) {
            return Ok(false);
        }
        index::write(&self.root, &self.sealer(), &known)
            .map_err(|e| VaultError::io("cannot write the list index", e))?;
        Ok(true)
    }

    /// The therapist has seen a set-aside file and decided about it: it moves, with its
    /// reason, to `quarantine/acknowledged/` (kept, never deleted) and `verify` stops
    /// reporting it. Only a name `set_aside_files` lists is accepted.
    pub fn acknowledge_set_aside(&self, name: &str) -> Result<()> {
        self.check_writable()?;
        if other_conflict_copies(&self.root).iter().any(|f| f == name) {
            // Kept, out of the way: `resolved/` beside the records' settled copies.
            let done = self.root.join(conflicts::RESOLVED_DIR);
            fsutil::create_private_dir(&done).map_err(io_at("cannot create", &done))?;
            let to = done.join(name.replace('/', "-"));
            fs::rename(self.root.join(name), &to).map_err(io_at("cannot move", &to))?;
            return fsutil::sync_dir(&done).map_err(io_at("cannot sync", &done));
        }
        if !self.set_aside_files()?.iter().any(|f| f.name == name) {
            return Err(VaultError::Invalid(format!(
                "{name} is not a file set aside in {QUARANTINE_DIR}/ (see tandem verify)"
            )));
        }
        let dir = self.root.join(QUARANTINE_DIR);
        let done = dir.join(ACKNOWLEDGED_DIR);
        fsutil::create_private_dir(&done).map_err(io_at("cannot create", &done))?;
        for file in [name.to_string(), format!("{name}.reason.txt")] {
            match fs::rename(dir.join(&file), done.join(&file)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(VaultError::io(format!("cannot move {file}"), e));
                }
            }
        }
        fsutil::sync_dir(&dir).map_err(io_at("cannot sync", &dir))?;
        fsutil::sync_dir(&done).map_err(io_at("cannot sync", &done))
    }
}

impl PassphraseCheck {
    /// True when `passphrase` unwraps this vault's key.
    pub fn check(&self, passphrase: &SecretString) -> Result<bool> {
        match crypto::unwrap_identity(&self.wrapped, passphrase) {
            Ok(identity) => Ok(identity.to_public().to_string() == self.recipient),
            Err(VaultError::WrongPassphrase) => Ok(false),
            Err(other) => Err(other),
        }
    }
}

/// A vault whose key has been dropped from memory.
pub struct LockedVault {
    root: PathBuf,
    access: Access,
}

impl LockedVault {
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Unlock again; a wrong passphrase leaves it locked.
    pub fn unlock(
        self,
        passphrase: &SecretString,
    ) -> std::result::Result<Vault, (LockedVault, VaultError)> {
        // The lock file handle was dropped with the vault; retake it.
        match Vault::open(&self.root, Some(passphrase), self.access) {
            Ok(vault) => Ok(vault),
            Err(e) => Err((self, e)),
        }
    }
}

/// Where a vault's record files are and how to open them: what `Vault` and `VaultReader`
/// share to read records and set damaged ones aside.
struct Store<'a> {
    root: &'a Path,
    cipher: &'a Cipher,
    access: Access,
}

impl Store<'_> {
    fn kind_dir(&self, kind: RecordKind) -> PathBuf {
        self.root.join(RECORDS_DIR).join(kind.folder())
    }

    /// Read and check one record file.
    fn read_one(&self, kind: RecordKind, id: Uuid, name: &str) -> ReadOutcome {
        let path = self.kind_dir(kind).join(name);
        match read_capped(&path) {
            Ok((sealed, stamp)) => match self
                .cipher
                .open(&sealed)
                .and_then(|plain| record::decode(&plain, kind, id))
            {
                Ok(envelope) => ReadOutcome::Ok(Box::new(envelope), stamp),
                Err(reason) => ReadOutcome::Damaged(reason),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => ReadOutcome::Missing,
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                ReadOutcome::Damaged(format!("it is {e}"))
            }
            Err(e) => ReadOutcome::Unreadable(format!("cannot be read: {e}")),
        }
    }

    /// Turn a failed read into a reported problem, setting damaged files aside.
    fn problem(&self, kind: RecordKind, name: &str, outcome: ReadOutcome) -> Option<FileProblem> {
        match outcome {
            ReadOutcome::Ok(..) | ReadOutcome::Missing => None,
            ReadOutcome::Damaged(reason) => Some(self.set_aside(kind, name, &reason)),
            ReadOutcome::Unreadable(reason) => Some(FileProblem::Damaged {
                file: format!("{}/{name}", kind.folder()),
                reason,
            }),
        }
    }

    /// Move a damaged file to `quarantine/` with its reason (read-write), or leave it and
    /// report it (read-only). Never deletes.
    fn set_aside(&self, kind: RecordKind, name: &str, reason: &str) -> FileProblem {
        let file = format!("{}/{name}", kind.folder());
        let quarantine = self.root.join(QUARANTINE_DIR);
        if self.access == Access::ReadOnly || fsutil::create_private_dir(&quarantine).is_err() {
            return FileProblem::Damaged {
                file,
                reason: reason.to_string(),
            };
        }
        let mut target = format!("{}-{name}", kind.name());
        let mut n = 1;
        while quarantine.join(&target).exists() {
            n += 1;
            target = format!("{}-{n}-{name}", kind.name());
        }
        let note = format!("{file}\n{reason}\n");
        // The file keeps the mode it had (a sync tool or a copy may have left it readable
        // by others): set aside, it is made owner-only like everything else here.
        let moved = fs::rename(self.kind_dir(kind).join(name), quarantine.join(&target)).is_ok()
            && fsutil::make_private_file(&quarantine.join(&target)).is_ok()
            && fsutil::write_atomic(
                &quarantine,
                &format!("{target}.reason.txt"),
                note.as_bytes(),
            )
            .is_ok()
            && fsutil::sync_dir(&self.kind_dir(kind)).is_ok();
        if moved {
            FileProblem::Quarantined {
                file,
                reason: reason.to_string(),
            }
        } else {
            FileProblem::Damaged {
                file,
                reason: reason.to_string(),
            }
        }
    }
}

/// Every record that opened, and every problem.
#[derive(Debug, Default)]
pub struct Verified {
    pub records: Vec<RecordBody>,
    pub problems: Vec<FileProblem>,
}

fn extension_for(encryption: Encryption) -> &'static str {
    match encryption {
        Encryption::Age => ".age",
        Encryption::None => ".ron",
    }
}

/// The record files in a vault's folders, and problems for what is not a record.
struct Listing {
    files: Vec<(RecordKind, Uuid, String, index::Stamp)>,
    problems: Vec<FileProblem>,
}

/// List every records folder: needs no key, so it can run while the vault unlocks.
fn list_files(root: &Path, extension: &str) -> Result<Listing> {
    let mut listing = Listing {
        files: Vec::new(),
        problems: Vec::new(),
    };
    for kind in RecordKind::ALL {
        let dir = root.join(RECORDS_DIR).join(kind.folder());
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            // A vault made before this kind of record existed: nothing to list yet.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_at("cannot list", &dir)(e)),
        };
        let mut found = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let file = format!("{}/{name}", kind.folder());
            match classify(&name, extension) {
                Entry::Record(id) => match entry.metadata() {
                    Ok(meta) if meta.is_file() => {
                        found.push((kind, id, name, index::Stamp::of(&meta)))
                    }
                    _ => listing.problems.push(FileProblem::Unexpected { file }),
                },
                Entry::Conflict => listing.problems.push(FileProblem::Conflict { file }),
                Entry::Unexpected => listing.problems.push(FileProblem::Unexpected { file }),
                Entry::Temp | Entry::Ignored => {}
            }
        }
        found.sort_by(|a, b| a.2.cmp(&b.2));
        listing.files.extend(found);
    }
    listing.problems.extend(
        other_conflict_copies(root)
            .into_iter()
            .map(|file| FileProblem::OtherConflict { file }),
    );
    Ok(listing)
}

/// Sync conflict copies outside the records folders: of the vault's own files (its
/// settings, its header, the clinicians' keys), and of the audit trail (each segment has one writer, so a copy
/// there is a sign of something else writing it). As paths in the vault.
pub fn other_conflict_copies(root: &Path) -> Vec<String> {
    let mut dirs = vec![
        (String::new(), root.to_path_buf()),
        (format!("{}/", keys::KEYS_DIR), root.join(keys::KEYS_DIR)),
    ];
    for device in audit::segment_ids(root) {
        dirs.push((
            format!("{}/{device}/", audit::AUDIT_DIR),
            root.join(audit::AUDIT_DIR).join(device),
        ));
    }
    let mut found = Vec::new();
    for (prefix, dir) in dirs {
        for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.contains(".sync-conflict-") && entry.path().is_file() {
                found.push(format!("{prefix}{name}"));
            }
        }
    }
    found.sort();
    found
}

/// Read a record file given on the command line (`tandem import`) as text: only a
/// regular file, refused without reading on once it is over the record size cap.
pub fn read_record_file(path: &Path) -> Result<String> {
    let (bytes, _) = input::read_regular(path, "record file", MAX_RECORD_BYTES)?;
    String::from_utf8(bytes)
        .map_err(|_| VaultError::Invalid(format!("not UTF-8 text: {}", path.display())))
}

/// Read a record file in the vault, refusing one over the record size cap or that is not
/// a regular file (as `InvalidData`), with the stamp of the file read (from the open
/// handle: a file renamed over it meanwhile does not change it).
fn read_capped(path: &Path) -> std::io::Result<(Vec<u8>, Stamp)> {
    match input::read_regular(path, "record file", MAX_RECORD_BYTES) {
        Ok((bytes, meta)) => Ok((bytes, Stamp::of(&meta))),
        Err(input::InputError::Io { error, .. }) => Err(error),
        Err(other) => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            other.reason(),
        )),
    }
}

/// Where and as whom a record is written: shared by `Vault::save` and the save thread,
/// which holds only the public key (`opener` is then `None`).
pub(crate) struct RecordWriter<'a> {
    pub root: &'a Path,
    pub sealer: &'a Sealer,
    pub extension: &'a str,
    /// This device's id (`sync::device_id`).
    pub device: &'a str,
    pub known: &'a sync::Known,
    /// The key, to read the version of a file found changed; without it such a file is
    /// kept as a conflict copy whatever it holds.
    pub opener: Option<&'a Cipher>,
}

/// Encrypt and write one record atomically, returning the written file's stamp. The new
/// version counts one more save on this device from the version this process read. A
/// file found there that this process did not read or write (another device's change,
/// brought by sync since) is never written over unless it is older than what was read:
/// it is renamed to a conflict copy beside the record (`sync::conflict_name`), and the
/// two are shown side by side until the therapist settles them.
pub(crate) fn write_record(
    to: &RecordWriter<'_>,
    body: &RecordBody,
    now: DateTime<Utc>,
    anchor: Option<audit::Anchor>,
) -> Result<Stamp> {
    let dir = to.root.join(RECORDS_DIR).join(body.kind().folder());
    let added_later = !matches!(body.kind(), RecordKind::Couple | RecordKind::Session);
    if added_later && !dir.exists() && to.root.join(RECORDS_DIR).is_dir() {
        // A vault made before this kind of record existed. (A missing couples or sessions
        // folder is damage, reported by the failed save, never papered over.)
        fsutil::create_private_dir(&dir)
            .map_err(|e| VaultError::io(format!("cannot create {}", body.kind().folder()), e))?;
    }
    let id = body.id();
    let name = format!("{id}{}", to.extension);
    let path = dir.join(&name);
    let seen = to
        .known
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&id)
        .cloned();
    let mut base = seen.as_ref().map(|s| s.version.clone()).unwrap_or_default();
    let on_disk = fs::symlink_metadata(&path)
        .ok()
        .filter(fs::Metadata::is_file)
        .map(|m| Stamp::of(&m));
    if let Some(stamp) = on_disk
        && seen.as_ref().and_then(|s| s.stamp) != Some(stamp)
    {
        let there = to.opener.and_then(|cipher| {
            let (bytes, _) = read_capped(&path).ok()?;
            let plain = cipher.open(&bytes).ok()?;
            record::decode(&plain, body.kind(), id)
                .ok()
                .map(|e| e.version)
        });
        match (&seen, there) {
            // Never read here: this save goes on from what is there.
            (None, Some(version)) => base = version,
            // What is there is what was read, or older: nothing of it is lost.
            (Some(_), Some(version))
                if matches!(version.order(&base), sync::Order::Same | sync::Order::Older) => {}
            // Newer only by this device's own saves (another save of this process got
            // there first): no other device's change to keep apart.
            (Some(_), Some(version)) if !version.has_newer_from_others(&base, to.device) => {
                base = base.joined(&version);
            }
            _ => {
                let mut copy = sync::conflict_name(id, to.extension, to.device, now);
                // A second copy within the same second: numbered, as set-aside files are.
                let first = copy.clone();
                let mut n = 1;
                while dir.join(&copy).exists() {
                    n += 1;
                    copy = first.replacen(to.extension, &format!("-{n}{}", to.extension), 1);
                }
                fs::rename(&path, dir.join(&copy)).map_err(|e| {
                    VaultError::io(
                        format!(
                            "cannot keep {}/{name} as a conflict copy",
                            body.kind().folder()
                        ),
                        e,
                    )
                })?;
            }
        }
    }
    let version = base.bumped(to.device);
    let plain = record::encode(body, now, anchor, &version).map_err(VaultError::Invalid)?;
    let sealed = to.sealer.seal(&plain)?;
    let stamp = fsutil::write_atomic_stat(&dir, &name, &sealed)
        .map(|meta| Stamp::of(&meta))
        .map_err(|e| VaultError::io(format!("cannot save {}/{name}", body.kind().folder()), e))?;
    sync::remember(
        to.known,
        id,
        sync::Seen {
            version,
            stamp: Some(stamp),
        },
    );
    Ok(stamp)
}

/// The default vault folder: the platform's data folder for Tandem.
pub fn default_root() -> Option<PathBuf> {
    directories::ProjectDirs::from("org", "Tandem", "Tandem").map(|d| d.data_dir().join("vault"))
}

#[cfg(test)]
mod tests;
