//! The audit log: who opened, exported, finalized or amended which record, when, and every
//! failed unlock. Ids and fixed words only, never clinical text or names.
//!
//! `audit.log` holds one line per entry, each the entry sealed so that nobody without the
//! passphrase can read it (`K <base64>`: XChaCha20-Poly1305 under a key derived from the
//! vault's, `F <base64>`: a failed unlock, age-encrypted to a second key made from the
//! vault's, whose public half is in `vault.ron`). Inside, every entry carries the SHA-256 of the line before it, so a line
//! removed, inserted or edited breaks the chain; and every entry written while unlocked is
//! authenticated with HMAC-SHA256 under a key derived from the vault's key, so nobody
//! without the passphrase can write one. A failed unlock has no key to hand: its line is
//! encrypted, chained, and checked in other ways (below).
//!
//! After every entry written while unlocked, the head (how many lines, the last line's hash,
//! and the log file's size and change time as left by that write) is sealed with the
//! vault's key in `audit-head.age`. The next writer, and `verify`, compare the log with it:
//! lines cut off the end, a log put back from an older copy, or a log changed with no entry
//! written since, are caught, because the operating system sets a file's change time itself
//! and nobody can set it back. What the writer finds wrong is written into its own entry
//! (`found`), so the next entries cannot bury it.
//!
//! Records and the list index carry the number of entries the log had when they were
//! written (their anchor): a log older than the newest record (deleted, or put back from an
//! older copy) is caught by `verify` and by the next unlock. The threat model, what is
//! caught and what cannot be, is in docs/vault.md.

use super::crypto::{Cipher, Sealer};
use super::error::{Result, VaultError};
use super::fsutil;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;
use std::str::FromStr;
use uuid::Uuid;

pub const AUDIT_FILE: &str = "audit.log";
/// Largest audit log read: a sealed entry is about 700 bytes, so 4 GiB is some 6 million
/// entries, centuries of a busy practice; anything larger is not a log Tandem wrote.
pub const MAX_AUDIT_BYTES: u64 = 4 * 1024 * 1024 * 1024;
/// Largest sealed head read: a few numbers and a hash, sealed, about 500 bytes.
const MAX_HEAD_BYTES: u64 = 64 * 1024;
/// The sealed head; `.ron` in an unencrypted test vault.
pub const AUDIT_HEAD_AGE: &str = "audit-head.age";
pub const AUDIT_HEAD_RON: &str = "audit-head.ron";

/// The hash before the first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Version of the sealed head this build writes.
const HEAD_VERSION: u32 = 2;
/// How long after a failed unlock's line was written the log may still show as changed
/// (the entry's time is taken just before the write; a minute is ample).
const SETTLE_SECS: i64 = 60;
/// What was done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditAction {
    /// The vault was unlocked.
    Unlock,
    /// Someone gave a wrong passphrase.
    UnlockFailed,
    /// A record was opened to be read (a couple's page, a session, a note).
    Open,
    /// A document was exported (the detail says which and for whom).
    Export,
    /// A clinical note was finalized.
    Finalize,
    /// A finalized note was amended.
    Amend,
    /// Process notes were exported, in their own explicit action.
    ExportProcessNotes,
    /// A take-home worksheet file was written for a couple to fill in.
    IssueWorksheet,
    /// A filled take-home worksheet was brought back into a couple's record (or refused:
    /// the detail says which).
    ImportWorksheet,
    /// The therapist handed the screen to one partner (hand-over mode).
    HandOver,
    /// The therapist took the screen back with the passphrase.
    HandBack,
    /// Custody of a disclosure document changed (handed over, stored, destroyed).
    Custody,
    /// The therapist changed who may see a step.
    Visibility,
    /// A practice setting changed (the detail names which, never its value).
    Settings,
    /// The vault's passphrase was changed.
    Passphrase,
    /// An ended session was taken up again.
    Reopen,
    /// A safety screen was ended with plain joint work decided over a raised concern,
    /// with the therapist's written reason (the reason stays in the record, not here).
    SafetyOverride,
    /// The therapist acknowledged a damaged file set aside in `quarantine/` (it is kept,
    /// moved to `quarantine/acknowledged/`).
    Acknowledge,
    /// A record was added with `tandem import` (the detail names its kind, and the flags
    /// of what it claims that this vault did not see: `practice::imports`).
    ImportRecord,
    /// The log was converted from the plaintext lines of earlier versions into sealed ones
    /// (the detail says how many, and whether their chain was intact).
    SealLog,
    /// The vault was restored from a backup into this folder.
    Restore,
    /// The practice's own protocols changed (the detail says added, replaced or removed,
    /// and the protocol's id).
    Protocol,
    /// The log of a vault from before device segments was moved into this device's own
    /// segment (`audit/<device>/`).
    Segment,
    /// Two versions of a record from two devices (a sync conflict) were settled: one kept,
    /// or the two merged (the detail says which; the other version is kept aside).
    ResolveConflict,
}

impl AuditAction {
    pub fn name(self) -> &'static str {
        match self {
            AuditAction::Unlock => "unlock",
            AuditAction::UnlockFailed => "unlock failed",
            AuditAction::Open => "open",
            AuditAction::Export => "export",
            AuditAction::Finalize => "finalize",
            AuditAction::Amend => "amend",
            AuditAction::ExportProcessNotes => "export process notes",
            AuditAction::IssueWorksheet => "issue worksheet",
            AuditAction::ImportWorksheet => "import worksheet",
            AuditAction::HandOver => "hand over",
            AuditAction::HandBack => "hand back",
            AuditAction::Custody => "custody",
            AuditAction::Visibility => "visibility",
            AuditAction::Settings => "settings",
            AuditAction::Passphrase => "passphrase",
            AuditAction::Reopen => "reopen",
            AuditAction::SafetyOverride => "safety override",
            AuditAction::Acknowledge => "acknowledge",
            AuditAction::ImportRecord => "import record",
            AuditAction::SealLog => "seal log",
            AuditAction::Restore => "restore",
            AuditAction::Protocol => "protocol",
            AuditAction::Segment => "segment",
            AuditAction::ResolveConflict => "resolve conflict",
        }
    }
}

/// One thing to log. `detail` must hold only fixed words and ids (a document kind, an
/// audience), never anything typed about a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    pub actor: String,
    pub action: AuditAction,
    pub record: Option<Uuid>,
    pub detail: String,
}

/// The log file's size and change time (ctime: set by the system on every write, rename
/// or permission change, and never settable by a user) as a writer found or left it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileState {
    pub len: u64,
    pub changed_secs: i64,
    pub changed_nanos: i64,
}

impl FileState {
    pub fn of(meta: &std::fs::Metadata) -> FileState {
        #[cfg(unix)]
        let (changed_secs, changed_nanos) = {
            use std::os::unix::fs::MetadataExt;
            (meta.ctime(), meta.ctime_nsec())
        };
        #[cfg(not(unix))]
        let (changed_secs, changed_nanos) = {
            let since = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .unwrap_or_default();
            (
                i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
                i64::from(since.subsec_nanos()),
            )
        };
        FileState {
            len: meta.len(),
            changed_secs,
            changed_nanos,
        }
    }

    fn changed(&self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp(
            self.changed_secs,
            u32::try_from(self.changed_nanos).unwrap_or(0),
        )
    }

    fn changed_text(&self) -> String {
        self.changed().map_or_else(
            || "an unreadable time".into(),
            |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        )
    }
}

/// Where the log stood when a record file (or the list index) was written: how many lines
/// it had, and the hash of the last of them. A log with fewer lines, or another line in
/// that place, was cut or replaced since.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Anchor {
    pub seq: u64,
    pub line: String,
    /// The device whose segment of the trail this is (`audit/<device>/`); none in files
    /// written when the whole vault had one log.
    #[serde(default)]
    pub device: Option<String>,
}

/// What is wrong between the log's lines and anchors recorded elsewhere (each seq once).
fn anchor_problems<'a>(
    lines: &[&str],
    anchors: impl IntoIterator<Item = &'a Anchor>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut short = None;
    let mut replaced = None;
    for anchor in anchors {
        let Some(i) = usize::try_from(anchor.seq)
            .ok()
            .and_then(|s| s.checked_sub(1))
        else {
            continue;
        };
        match lines.get(i) {
            None => short = short.max(Some(anchor.seq)),
            Some(line) if line_hash(line) != anchor.line => {
                replaced = replaced.or(Some(anchor.seq));
            }
            Some(_) => {}
        }
    }
    if let Some(seq) = short {
        problems.push(format!(
            "{AUDIT_FILE}: has {} entries, but records were saved when it had {seq}: entries were removed (the log deleted, or an older copy put back)",
            lines.len()
        ));
    }
    if let Some(seq) = replaced {
        problems.push(format!(
            "{AUDIT_FILE}: its entry {seq} is not the one records were saved after: the log was replaced (deleted and begun again, or another copy put back)"
        ));
    }
    problems
}

/// One entry of the log, as it reads once its line is opened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: AuditAction,
    #[serde(default)]
    pub record: Option<Uuid>,
    #[serde(default)]
    pub detail: String,
    /// SHA-256 of the line before this one (all zeros for the first).
    pub prev: String,
    /// The log file as the writer found it, before appending.
    #[serde(default)]
    pub before: Option<FileState>,
    /// What the writer found wrong with the log, or between the log and the records, before
    /// appending: kept here so that the entries after cannot hide it.
    #[serde(default)]
    pub found: Vec<String>,
    /// HMAC-SHA256 over the fields above, under a key only the passphrase unlocks; empty
    /// for a failed unlock (written without the key).
    #[serde(default)]
    pub mac: String,
}

type HmacSha256 = Hmac<Sha256>;

impl AuditEntry {
    fn mac_with(&self, key: &[u8; 32]) -> String {
        let fields = (
            self.seq,
            self.at,
            &self.actor,
            self.action,
            self.record,
            &self.detail,
            &self.prev,
            self.before,
            &self.found,
        );
        // RON of a tuple of plain fields is a stable encoding of them.
        let body = ron::to_string(&fields).unwrap_or_default();
        let mut mac = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| {
            // HMAC takes a key of any length; this branch cannot be reached.
            <HmacSha256 as Mac>::new_from_slice(&[0u8; 32]).unwrap_or_else(|_| unreachable!())
        });
        mac.update(body.as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn line_hash(line: &str) -> String {
    hex(&Sha256::digest(line.as_bytes()))
}

/// The keys the log needs, derived from the vault's key: one to seal entries written while
/// unlocked, one to authenticate them, and one (an age identity) to open failed-unlock
/// lines.
struct Keys {
    seal: [u8; 32],
    mac: [u8; 32],
    notice: Option<age::x25519::Identity>,
    /// The same, from the practice's earlier keys (entries written before a clinician's
    /// access was removed and the key replaced): only to open those entries.
    older: Vec<Keys>,
}

/// Seal an entry written while unlocked: `K ` and base64 of a random 24-byte nonce and the
/// XChaCha20-Poly1305 ciphertext under the derived sealing key.
fn seal_keyed(keys: &Keys, plain: &[u8]) -> Result<String> {
    use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
    let aead = chacha20poly1305::XChaCha20Poly1305::new((&keys.seal).into());
    let nonce = chacha20poly1305::XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let sealed = aead
        .encrypt(&nonce, plain)
        .map_err(|_| VaultError::Crypto("an audit entry could not be sealed".into()))?;
    let mut bytes = nonce.to_vec();
    bytes.extend_from_slice(&sealed);
    Ok(format!("K {}", B64.encode(bytes)))
}

fn open_keyed(keys: &Keys, payload: &[u8]) -> std::result::Result<Vec<u8>, String> {
    use chacha20poly1305::aead::{Aead, KeyInit};
    let refused = || "does not open with this vault's key".to_string();
    if payload.len() < 24 {
        return Err(refused());
    }
    let (nonce, sealed) = payload.split_at(24);
    chacha20poly1305::XChaCha20Poly1305::new((&keys.seal).into())
        .decrypt(nonce.into(), sealed)
        .map_err(|_| refused())
}

fn derive(secret: &[u8], label: &str) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

fn keys(cipher: &Cipher) -> Keys {
    match cipher {
        Cipher::Age(all) => {
            let mut keys = keys_of(&all.current);
            keys.older = all.others.iter().map(keys_of).collect();
            keys
        }
        // A plaintext test vault protects nothing; its entries are still chained and
        // checked, under a fixed key.
        Cipher::Plain => Keys {
            seal: derive(b"tandem plaintext vault", "tandem audit seal v1"),
            mac: derive(b"tandem plaintext vault", "tandem audit mac v1"),
            notice: None,
            older: Vec::new(),
        },
    }
}

fn keys_of(identity: &age::x25519::Identity) -> Keys {
    let secret = identity.to_string();
    let secret = secret.expose_secret().as_bytes();
    let mut seed = derive(secret, "tandem audit failed-unlock key v1");
    let notice = bech32::Hrp::parse("age-secret-key-")
        .ok()
        .and_then(|hrp| bech32::encode::<bech32::Bech32>(hrp, &seed).ok())
        .and_then(|text| age::x25519::Identity::from_str(&text.to_uppercase()).ok());
    zeroize::Zeroize::zeroize(&mut seed);
    Keys {
        seal: derive(secret, "tandem audit seal v1"),
        mac: derive(secret, "tandem audit mac v1"),
        notice,
        older: Vec::new(),
    }
}

/// The public key failed unlocks are encrypted to, kept in `vault.ron` (a failed unlock
/// has no other key to use). `None` for a plaintext vault.
pub fn notice_recipient(cipher: &Cipher) -> Option<String> {
    keys(cipher).notice.map(|n| n.to_public().to_string())
}

/// The sealed head of the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Head {
    version: u32,
    /// Lines in the log when it was sealed.
    count: u64,
    /// SHA-256 of the last of them.
    hash: String,
    /// The log file as that write left it.
    state: FileState,
}

fn head_name(cipher: &Cipher) -> &'static str {
    if matches!(cipher, Cipher::Age(_)) {
        AUDIT_HEAD_AGE
    } else {
        AUDIT_HEAD_RON
    }
}

/// Strip a single character that could break a line or a field: the log is one entry
/// per line, and its words are ours, so anything else is replaced.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect()
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// How a line of the log was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tag {
    /// Written while unlocked: sealed to the vault's key, authenticated.
    Keyed,
    /// A failed unlock, encrypted to the failed-unlock key.
    Failed,
    /// A failed unlock in a vault that has no failed-unlock key yet (made before this
    /// version and not yet unlocked by it) or is not encrypted: not encrypted.
    FailedPlain,
    /// A plaintext entry of the log format before this one (converted at the next unlock).
    Legacy,
}

fn tag_of(line: &str) -> Option<Tag> {
    if line.starts_with("K ") {
        Some(Tag::Keyed)
    } else if line.starts_with("F ") {
        Some(Tag::Failed)
    } else if line.starts_with("U ") {
        Some(Tag::FailedPlain)
    } else if line.starts_with('(') {
        Some(Tag::Legacy)
    } else {
        None
    }
}

/// Open one line: decrypt and parse it, and check its seal. The error says why, never
/// what the line holds.
fn open_line(line: &str, keys: &Keys) -> std::result::Result<AuditEntry, String> {
    let first = open_line_with(line, keys);
    if first.is_ok() || keys.older.is_empty() {
        return first;
    }
    keys.older
        .iter()
        .find_map(|older| open_line_with(line, older).ok())
        .ok_or_else(|| first.err().unwrap_or_default())
}

fn open_line_with(line: &str, keys: &Keys) -> std::result::Result<AuditEntry, String> {
    let tag = tag_of(line).ok_or("not an audit entry")?;
    if tag == Tag::Legacy {
        return ron::from_str::<AuditEntry>(line).map_err(|_| "not an audit entry".to_string());
    }
    let payload = B64
        .decode(line[2..].trim_end())
        .map_err(|_| "not an audit entry".to_string())?;
    let plain = match tag {
        Tag::Keyed => open_keyed(keys, &payload)?,
        Tag::Failed => {
            let notice = keys
                .notice
                .as_ref()
                .ok_or("a failed unlock this vault has no key for")?;
            age::decrypt(notice, &payload)
                .map_err(|_| "does not open with this vault's failed-unlock key".to_string())?
        }
        Tag::FailedPlain | Tag::Legacy => payload,
    };
    let entry: AuditEntry = ron::from_str(&String::from_utf8_lossy(&plain))
        .map_err(|_| "not an audit entry".to_string())?;
    match tag {
        Tag::Keyed if entry.mac != entry.mac_with(&keys.mac) => {
            Err("its seal does not match (written or changed without the passphrase)".into())
        }
        Tag::Failed | Tag::FailedPlain if entry.action != AuditAction::UnlockFailed => {
            Err(format!(
                "claims to be {:?} but is not sealed (only a failed unlock is written without the key)",
                entry.action.name()
            ))
        }
        _ => Ok(entry),
    }
}

/// The log's lines (without their line feeds).
fn lines_of(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.is_empty()).collect()
}

/// Open the log for appending, holding its lock. The log is replaced by a rename when it
/// is converted from the old format, so after the lock is taken the file open must still
/// be the one at the path; otherwise it is opened again.
fn open_locked(root: &Path) -> Result<(File, String, FileState)> {
    let path = root.join(AUDIT_FILE);
    let io = |e| VaultError::io(format!("cannot write {}", path.display()), e);
    for _ in 0..8 {
        let mut options = OpenOptions::new();
        options.create(true).read(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
            // A named pipe in the log's place must not make every audited operation wait:
            // opened without blocking, and refused below as not a regular file.
            options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
        }
        let mut file = options.open(&path).map_err(io)?;
        if !file.metadata().map_err(io)?.is_file() {
            return Err(VaultError::Invalid(format!(
                "the audit log is not a regular file: {}",
                path.display()
            )));
        }
        file.lock().map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let held = file.metadata().map_err(io)?.ino();
            let at_path = std::fs::symlink_metadata(&path).map(|m| m.ino()).ok();
            if at_path != Some(held) {
                continue;
            }
        }
        let meta = file.metadata().map_err(io)?;
        let mut text = String::new();
        (&mut file)
            .take(MAX_AUDIT_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(|e| {
                VaultError::io(format!("cannot read {} (is it text?)", path.display()), e)
            })?;
        if text.len() as u64 > MAX_AUDIT_BYTES {
            return Err(VaultError::Invalid(format!(
                "the audit log is larger than the {} it may be: {}",
                super::input::size_text(MAX_AUDIT_BYTES),
                path.display()
            )));
        }
        return Ok((file, text, FileState::of(&meta)));
    }
    Err(VaultError::Invalid(format!(
        "the audit log kept being replaced while Tandem tried to write it: {}",
        path.display()
    )))
}

/// Who writes an entry, and with what.
enum Writer<'a> {
    /// An unlocked vault: the entry is sealed and authenticated, the head resealed.
    Keyed {
        cipher: &'a Cipher,
        /// Anchors seen in the records and the list index, checked against the log (none:
        /// not checked by this entry).
        anchors: &'a [Anchor],
        /// A restore: the log was written anew from a backup, so its change time is the
        /// restore's, not a sign of tampering.
        restored: bool,
        /// What was found wrong before this write (when the log was moved into its
        /// device's segment), kept in the entry.
        carried: &'a [String],
    },
    /// A failed unlock: encrypted to the failed-unlock key when the vault has one.
    Failed { recipient: Option<&'a str> },
}

/// Append one entry chained to the last, holding the file's lock so that two Tandem
/// processes (the app and a command line export, say) never interleave.
fn append(
    root: &Path,
    writer: &Writer<'_>,
    event: &AuditEvent,
    now: DateTime<Utc>,
) -> Result<(AuditEntry, Anchor)> {
    let path = root.join(AUDIT_FILE);
    let io = |e| VaultError::io(format!("cannot write {}", path.display()), e);
    let (mut file, text, state) = open_locked(root)?;
    let lines = lines_of(&text);
    let legacy = lines.iter().any(|l| tag_of(l) == Some(Tag::Legacy));
    if legacy {
        match writer {
            Writer::Keyed { cipher, .. } => {
                drop(file);
                upgrade(root, cipher, now)?;
                return append(root, writer, event, now);
            }
            Writer::Failed { .. } => {
                // Until the next unlock converts it, an old log gets old lines.
                let old = legacy::entry_after(&lines, event, now);
                let line = ron::to_string(&old).map_err(|e| VaultError::Invalid(e.to_string()))?;
                file.write_all(format!("{line}\n").as_bytes())
                    .and_then(|()| file.sync_all())
                    .map_err(io)?;
                let entry = old.entry();
                return Ok((
                    entry.clone(),
                    Anchor {
                        seq: entry.seq,
                        line: line_hash(&line),
                        device: None,
                    },
                ));
            }
        }
    }
    let mut entry = AuditEntry {
        seq: lines.len() as u64 + 1,
        at: now,
        actor: clean(&event.actor),
        action: event.action,
        record: event.record,
        detail: clean(&event.detail),
        prev: lines
            .last()
            .map_or_else(|| GENESIS.to_string(), |l| line_hash(l)),
        before: Some(state),
        found: Vec::new(),
        mac: String::new(),
    };
    let line = match writer {
        Writer::Keyed {
            cipher,
            anchors,
            restored,
            carried,
        } => {
            let keys = keys(cipher);
            let head = read_head(root, cipher)?;
            entry.found = carried.to_vec();
            entry
                .found
                .extend(tail_problems(&lines, &head, state, *restored, |l| {
                    open_line(l, &keys)
                }));
            entry.found.extend(anchor_problems(&lines, anchors.iter()));
            entry.mac = entry.mac_with(&keys.mac);
            let plain = ron::to_string(&entry).map_err(|e| VaultError::Invalid(e.to_string()))?;
            seal_keyed(&keys, plain.as_bytes())?
        }
        Writer::Failed { recipient } => {
            let plain = ron::to_string(&entry).map_err(|e| VaultError::Invalid(e.to_string()))?;
            match recipient.and_then(|r| age::x25519::Recipient::from_str(r).ok()) {
                Some(to) => format!("F {}", B64.encode(Sealer::Age(to).seal(plain.as_bytes())?)),
                None => format!("U {}", B64.encode(plain.as_bytes())),
            }
        }
    };
    // On a full disk, nothing is written (not even part of a line), so failed tries never
    // grow the log: room for the line, the head and some slack must be there first.
    let needed = line.len() as u64 + 64 * 1024;
    if fsutil::free_bytes(root).is_some_and(|free| free < needed) {
        return Err(io(std::io::Error::from(std::io::ErrorKind::StorageFull)));
    }
    if let Err(e) = file
        .write_all(format!("{line}\n").as_bytes())
        .and_then(|()| file.sync_all())
    {
        // Whatever part of the line reached the file is taken back.
        if file.metadata().is_ok_and(|m| m.len() != state.len) {
            let _ = file.set_len(state.len);
        }
        return Err(io(e));
    }
    if let Writer::Keyed { cipher, .. } = writer {
        let left = FileState::of(&file.metadata().map_err(io)?);
        seal_head(
            root,
            cipher,
            &Head {
                version: HEAD_VERSION,
                count: entry.seq,
                hash: line_hash(&line),
                state: left,
            },
        )?;
    }
    // Dropping the file releases the lock.
    let anchor = Anchor {
        seq: entry.seq,
        line: line_hash(&line),
        device: None,
    };
    Ok((entry, anchor))
}

fn seal_head(root: &Path, cipher: &Cipher, head: &Head) -> Result<()> {
    let text = ron::to_string(head).map_err(|e| VaultError::Invalid(e.to_string()))?;
    let sealed = cipher.sealer().seal(text.as_bytes())?;
    let name = head_name(cipher);
    fsutil::write_atomic(root, name, &sealed)
        .map_err(|e| VaultError::io(format!("cannot write {}", root.join(name).display()), e))
}

/// Convert a log of plaintext entries (earlier versions) into sealed lines: each old entry
/// becomes a sealed one with the same number, time, actor, action, record and detail, and
/// a `seal log` entry says how many and what checking the old chain found. Written as a
/// whole new file, renamed into place.
fn upgrade(root: &Path, cipher: &Cipher, now: DateTime<Utc>) -> Result<()> {
    let (file, text, _) = open_locked(root)?;
    let lines = lines_of(&text);
    if !lines.iter().any(|l| tag_of(l) == Some(Tag::Legacy)) {
        return Ok(());
    }
    let keys = keys(cipher);
    let (old, problems) = legacy::check(root, cipher, &text);
    let mut out = String::new();
    let mut prev = GENESIS.to_string();
    let mut count = 0u64;
    for old_entry in &old {
        count += 1;
        let mut entry = AuditEntry {
            seq: count,
            at: old_entry.at,
            actor: old_entry.actor.clone(),
            action: old_entry.action,
            record: old_entry.record,
            detail: old_entry.detail.clone(),
            prev: prev.clone(),
            before: None,
            found: Vec::new(),
            mac: String::new(),
        };
        entry.mac = entry.mac_with(&keys.mac);
        let plain = ron::to_string(&entry).map_err(|e| VaultError::Invalid(e.to_string()))?;
        let line = seal_keyed(&keys, plain.as_bytes())?;
        prev = line_hash(&line);
        out.push_str(&line);
        out.push('\n');
    }
    let intact = if problems.is_empty() {
        "their chain was intact".to_string()
    } else {
        format!("their chain had {} problem(s)", problems.len())
    };
    let mut entry = AuditEntry {
        seq: count + 1,
        at: now,
        actor: "Tandem".into(),
        action: AuditAction::SealLog,
        record: None,
        detail: format!("{count} plaintext entries sealed; {intact}"),
        prev,
        before: None,
        found: problems,
        mac: String::new(),
    };
    entry.mac = entry.mac_with(&keys.mac);
    let plain = ron::to_string(&entry).map_err(|e| VaultError::Invalid(e.to_string()))?;
    let line = seal_keyed(&keys, plain.as_bytes())?;
    out.push_str(&line);
    out.push('\n');
    let io = |e| {
        VaultError::io(
            format!("cannot write {}", root.join(AUDIT_FILE).display()),
            e,
        )
    };
    fsutil::write_atomic(root, AUDIT_FILE, out.as_bytes()).map_err(io)?;
    // Stated after the rename, which changes the file's change time.
    let written = std::fs::metadata(root.join(AUDIT_FILE)).map_err(io)?;
    drop(file);
    seal_head(
        root,
        cipher,
        &Head {
            version: HEAD_VERSION,
            count: entry.seq,
            hash: line_hash(&line),
            state: FileState::of(&written),
        },
    )
}

/// What the lines after the sealed head, and the log's state, say about the log since it
/// was sealed.
fn tail_problems(
    lines: &[&str],
    head: &HeadState,
    state: FileState,
    restored: bool,
    open: impl Fn(&str) -> std::result::Result<AuditEntry, String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    match head {
        HeadState::Missing => {
            // One entry may be there without a head: the very first, from a process
            // stopped before it sealed it. More means the head was deleted.
            if lines
                .iter()
                .filter(|l| tag_of(l) == Some(Tag::Keyed))
                .count()
                > 1
            {
                problems.push(format!(
                    "{AUDIT_HEAD_AGE}: missing, though the log has entries written while unlocked"
                ));
            }
        }
        HeadState::Unreadable => {
            problems.push(format!(
                "{AUDIT_HEAD_AGE}: damaged or not sealed with this vault's key"
            ));
        }
        HeadState::Sealed(head) => {
            let count = usize::try_from(head.count).unwrap_or(usize::MAX);
            if count == 0 || count > lines.len() {
                problems.push(format!(
                    "{AUDIT_FILE}: {} entries were sealed but it has {}: entries were removed from its end (or an older copy put back)",
                    head.count,
                    lines.len()
                ));
                return problems;
            }
            if line_hash(lines[count - 1]) != head.hash {
                problems.push(format!(
                    "{AUDIT_FILE}: entry {count} is not the entry that was sealed: entries were removed or rewritten"
                ));
                return problems;
            }
            if restored {
                return problems;
            }
            let tail = &lines[count..];
            match tail.last() {
                None if state != head.state => problems.push(format!(
                    "{AUDIT_FILE}: changed at {}, after its last entry ({count}, sealed with the file as changed at {}), and no entry written since: lines were removed from its end, or it was put back from a copy (copying the vault folder without keeping its times also shows this)",
                    state.changed_text(),
                    head.state.changed_text()
                )),
                None => {}
                Some(last) => {
                    if let Ok(first) = open(tail[0])
                        && first.before != Some(head.state)
                    {
                        problems.push(format!(
                            "{AUDIT_FILE}: changed outside Tandem between entry {count} and entry {}",
                            count + 1
                        ));
                    }
                    if let Ok(last) = open(last)
                        && last.action == AuditAction::UnlockFailed
                        && state
                            .changed()
                            .is_some_and(|t| t > last.at + chrono::Duration::seconds(SETTLE_SECS))
                    {
                        problems.push(format!(
                            "{AUDIT_FILE}: changed at {}, after its last entry ({}, a failed unlock at {}): failed unlocks were removed from its end",
                            state.changed_text(),
                            last.seq,
                            last.at.format("%Y-%m-%d %H:%M:%S UTC")
                        ));
                    }
                }
            }
        }
    }
    problems
}

/// Who an entry says acted, labelled by where the name comes from: the clinician's name
/// from the practice's settings (the name notes are signed with, `tandem settings
/// --clinician-name`) when it is set, else the computer's login name. Neither is proof:
/// anyone who unlocks the vault can change the one and set the other (`USER=x`), so the
/// label says which claim it is.
pub fn actor(clinician_name: &str) -> String {
    let name = clean(clinician_name.trim());
    if name.is_empty() {
        format!("{} (login name)", current_actor())
    } else {
        format!("{name} (clinician, from settings)")
    }
}

/// The computer's login name (the `USER` variable: anyone can set it).
pub fn current_actor() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .map(|u| clean(&u))
        .unwrap_or_else(|_| "unknown".into())
}

/// Log an event in an unlocked vault, and seal the new head; returns where the log now
/// stands (the anchor for records saved after it). `anchors` are those the records and
/// list index carry (none when not checked): a log that no longer has those lines was cut
/// or replaced, and the entry says so.
pub fn record(
    root: &Path,
    cipher: &Cipher,
    event: &AuditEvent,
    anchors: &[Anchor],
    now: DateTime<Utc>,
) -> Result<Anchor> {
    let (dir, device) = keyed_dir(root, cipher, now)?;
    // This device's own segment is checked against the anchors its records carry. Anchors
    // from the time of one log, only while no other device has a segment (the log they
    // point into may be another device's now); `verify` checks every one.
    let alone = other_segments(root, &device).is_empty();
    let mine: Vec<Anchor> = anchors
        .iter()
        .filter(|a| match &a.device {
            Some(d) => *d == device,
            None => alone,
        })
        .cloned()
        .collect();
    append(
        &dir,
        &Writer::Keyed {
            cipher,
            anchors: &mine,
            restored: false,
            carried: &[],
        },
        event,
        now,
    )
    .map(|(_, anchor)| Anchor {
        device: Some(device),
        ..anchor
    })
}

/// The folder of the trail: `audit/` in the vault.
pub const AUDIT_DIR: &str = "audit";

/// This device's segment of the trail: `audit/<device id>/`, holding its `audit.log` and
/// sealed head. Only this device ever writes there.
pub fn segment_dir(root: &Path) -> std::path::PathBuf {
    root.join(AUDIT_DIR).join(super::sync::device_id(root))
}

/// The segments of devices other than `device` (their ids).
fn other_segments(root: &Path, device: &str) -> Vec<String> {
    segment_ids(root)
        .into_iter()
        .filter(|d| d != device)
        .collect()
}

/// Every device segment in `audit/`, by id.
pub fn segment_ids(root: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(root.join(AUDIT_DIR))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| super::sync::is_device_id(name))
        .collect();
    ids.sort();
    ids
}

/// The log of a vault from before segments: `audit.log` in the vault's own folder.
fn has_shared_log(root: &Path) -> bool {
    std::fs::symlink_metadata(root.join(AUDIT_FILE)).is_ok()
}

/// Where this device's entries go, made if need be (`audit/<device>/`). A log from
/// before segments (`audit.log` at the top) is first moved into this device's segment
/// whole, under its lock, with what checking it found kept in the entry that seals the
/// move; a segment already there is left alone (the old log is then another copy's, and
/// `verify` checks it as it is).
fn keyed_dir(
    root: &Path,
    cipher: &Cipher,
    now: DateTime<Utc>,
) -> Result<(std::path::PathBuf, String)> {
    let device = super::sync::device_id(root);
    let dir = root.join(AUDIT_DIR).join(&device);
    let fresh = !dir.join(AUDIT_FILE).exists();
    make_segment(&dir)?;
    if fresh && has_shared_log(root) {
        move_shared_log(root, &dir, cipher, now)?;
    }
    Ok((dir, device))
}

fn make_segment(dir: &Path) -> Result<()> {
    for d in [dir.parent(), Some(dir)].into_iter().flatten() {
        if !d.is_dir() {
            fsutil::create_private_dir(d)
                .map_err(|e| VaultError::io(format!("cannot create {}", d.display()), e))?;
        }
    }
    Ok(())
}

fn move_shared_log(root: &Path, dir: &Path, cipher: &Cipher, now: DateTime<Utc>) -> Result<()> {
    let (file, text, state) = open_locked(root)?;
    let lines = lines_of(&text);
    if lines.iter().any(|l| tag_of(l) == Some(Tag::Legacy)) {
        drop(file);
        upgrade(root, cipher, now)?;
        return move_shared_log(root, dir, cipher, now);
    }
    let keys = keys(cipher);
    let head = read_head(root, cipher)?;
    let found = tail_problems(&lines, &head, state, false, |l| open_line(l, &keys));
    let io = |e| {
        VaultError::io(
            format!("cannot move {AUDIT_FILE} into {}", dir.display()),
            e,
        )
    };
    let head_file = head_name(cipher);
    if root.join(head_file).exists() {
        std::fs::rename(root.join(head_file), dir.join(head_file)).map_err(io)?;
    }
    std::fs::rename(root.join(AUDIT_FILE), dir.join(AUDIT_FILE)).map_err(io)?;
    fsutil::sync_dir(dir).map_err(io)?;
    fsutil::sync_dir(root).map_err(io)?;
    drop(file);
    append(
        dir,
        &Writer::Keyed {
            cipher,
            anchors: &[],
            restored: true,
            carried: &found,
        },
        &AuditEvent {
            actor: current_actor(),
            action: AuditAction::Segment,
            record: None,
            detail: format!("{} entries moved into this device's segment", lines.len()),
        },
        now,
    )
    .map(|_| ())
}

/// Where this device's entries are read from: the log from before segments while it is
/// still at the top, else this device's segment.
fn own_dir(root: &Path) -> std::path::PathBuf {
    let dir = segment_dir(root);
    if has_shared_log(root) && !dir.join(AUDIT_FILE).exists() {
        root.to_path_buf()
    } else {
        dir
    }
}

/// Log a restore into a freshly restored vault: the log file there is new (written from
/// the backup), so its change time is no sign of tampering; this entry seals it as found.
pub fn record_restore(
    root: &Path,
    cipher: &Cipher,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Anchor> {
    let (dir, device) = keyed_dir(root, cipher, now)?;
    append(
        &dir,
        &Writer::Keyed {
            cipher,
            anchors: &[],
            restored: true,
            carried: &[],
        },
        &AuditEvent {
            actor: actor.to_string(),
            action: AuditAction::Restore,
            record: None,
            detail: "restored from a backup".into(),
        },
        now,
    )
    .map(|(_, anchor)| Anchor {
        device: Some(device),
        ..anchor
    })
}

/// Log a failed unlock (there is no key: the line is encrypted to the failed-unlock key
/// named in `vault.ron`, when there is one). `now` must be the system clock's: the log's
/// change time is later compared with it.
pub fn record_unlock_failure(
    root: &Path,
    actor: &str,
    recipient: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let dir = own_dir(root);
    make_segment(&dir)?;
    append(
        &dir,
        &Writer::Failed { recipient },
        &AuditEvent {
            actor: actor.to_string(),
            action: AuditAction::UnlockFailed,
            record: None,
            detail: String::new(),
        },
        now,
    )
    .map(|_| ())
}

/// What checking the log found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditCheck {
    pub entries: usize,
    /// Entries after the sealed head written while unlocked: normal after a crash,
    /// reported for the record.
    pub unsealed: usize,
    /// Each break in the chain, mismatch with the sealed head or the records, and each
    /// problem an entry found when it was written and nobody has acknowledged, described.
    pub problems: Vec<String>,
    /// Problems found by entries and acknowledged since (`tandem verify --acknowledge
    /// audit-log`).
    pub acknowledged: usize,
}

/// The detail of an acknowledgement of the log's findings, covering entries up to `seq`.
pub fn acknowledgement(seq: u64) -> String {
    format!("audit log through entry {seq}")
}

fn acknowledged_through(entry: &AuditEntry) -> Option<u64> {
    (entry.action == AuditAction::Acknowledge)
        .then(|| entry.detail.strip_prefix("audit log through entry "))
        .flatten()
        .and_then(|n| n.parse().ok())
}

/// The number the next entry will have (for an acknowledgement that covers itself).
pub fn next_seq(root: &Path) -> Result<u64> {
    let text = read_text(&own_dir(root))?.0;
    Ok(lines_of(&text).len() as u64 + 1)
}

fn read_text(root: &Path) -> Result<(String, Option<FileState>)> {
    let path = root.join(AUDIT_FILE);
    match super::input::read_regular(&path, "audit log", MAX_AUDIT_BYTES) {
        Ok((bytes, meta)) => Ok((
            String::from_utf8_lossy(&bytes).into_owned(),
            Some(FileState::of(&meta)),
        )),
        Err(e) if e.is_not_found() => Ok((String::new(), None)),
        Err(e) => Err(e.into()),
    }
}

/// Check the whole log: every line opens and its seal holds, numbers run on, every line
/// chains to the one before, the sealed head matches, the log is no older than the
/// records (`anchors`: those the records and the list index carry), and nothing
/// an entry found is left unacknowledged.
pub fn verify(root: &Path, cipher: &Cipher, anchors: &[Anchor]) -> Result<AuditCheck> {
    let own = super::sync::device_id(root);
    let shared = has_shared_log(root);
    let mut segments: Vec<(std::path::PathBuf, Option<String>)> = Vec::new();
    if shared {
        segments.push((root.to_path_buf(), None));
    }
    for id in segment_ids(root) {
        segments.push((root.join(AUDIT_DIR).join(&id), Some(id)));
    }
    if segments.is_empty() {
        segments.push((root.join(AUDIT_DIR).join(&own), Some(own.clone())));
    }
    let mut check = AuditCheck::default();
    let mut hashes: Vec<Vec<String>> = Vec::new();
    for (dir, device) in &segments {
        // Anchors from the time of one log: checked against that log while it is there,
        // else against every segment together (below).
        let mine: Vec<Anchor> = anchors
            .iter()
            .filter(|a| a.device == *device || (a.device.is_none() && device.is_none()))
            .cloned()
            .collect();
        let local = device.as_deref().is_none_or(|d| d == own);
        let (one, lines) = verify_dir(dir, cipher, &mine, local)?;
        hashes.push(lines);
        let label = match device {
            Some(d) if *d != own => format!("device {d}: "),
            _ => String::new(),
        };
        check.entries += one.entries;
        check.unsealed += one.unsealed;
        check.acknowledged += one.acknowledged;
        check
            .problems
            .extend(one.problems.into_iter().map(|p| format!("{label}{p}")));
    }
    if !shared {
        let found = |a: &Anchor| {
            hashes.iter().any(|lines| {
                usize::try_from(a.seq)
                    .ok()
                    .and_then(|s| s.checked_sub(1))
                    .and_then(|i| lines.get(i))
                    .is_some_and(|h| *h == a.line)
            })
        };
        if let Some(lost) = anchors
            .iter()
            .filter(|a| a.device.is_none() && a.seq > 0)
            .find(|a| !found(a))
        {
            check.problems.push(format!(
                "no segment of the audit trail has entry {} as records saved after it had it: entries were removed or replaced",
                lost.seq
            ));
        }
    }
    // A device's anchors with no segment of its own: that segment was deleted.
    for device in anchors
        .iter()
        .filter_map(|a| a.device.as_ref())
        .collect::<std::collections::BTreeSet<_>>()
    {
        if !segments.iter().any(|(_, d)| d.as_ref() == Some(device)) {
            check.problems.push(format!(
                "{AUDIT_DIR}/{device}: missing, though records were saved after entries in it: the segment was deleted (or has not arrived yet)"
            ));
        }
    }
    Ok(check)
}

/// Check one segment (or the log from before segments); with the hashes of its lines.
/// `local`: this device's own, whose change time only this device sets; another device's
/// segment arrives through sync, so its change time says nothing, and only its chain, its
/// seals and its sealed head are checked.
fn verify_dir(
    root: &Path,
    cipher: &Cipher,
    anchors: &[Anchor],
    local: bool,
) -> Result<(AuditCheck, Vec<String>)> {
    let (text, state) = read_text(root)?;
    let lines = lines_of(&text);
    let mut problems = Vec::new();
    if lines.iter().any(|l| tag_of(l) == Some(Tag::Legacy)) {
        let (old, found) = legacy::check(root, cipher, &text);
        problems.extend(found);
        return Ok((
            AuditCheck {
                entries: old.len(),
                unsealed: 0,
                problems,
                acknowledged: 0,
            },
            Vec::new(),
        ));
    }
    let keys = keys(cipher);
    let mut entries = Vec::new();
    let mut prev = GENESIS.to_string();
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        match open_line(line, &keys) {
            Ok(entry) => {
                if entry.seq != n as u64 {
                    problems.push(format!(
                        "{AUDIT_FILE}: entry {n} is numbered {} (an entry was removed or inserted)",
                        entry.seq
                    ));
                }
                if entry.prev != prev {
                    problems.push(format!(
                        "{AUDIT_FILE}: entry {n} does not follow the entry before it (an entry was removed, inserted or edited)"
                    ));
                }
                entries.push(entry);
            }
            Err(why) => problems.push(format!("{AUDIT_FILE} line {n}: {why}")),
        }
        prev = line_hash(line);
    }
    let head = read_head(root, cipher)?;
    if let Some(state) = state {
        problems.extend(tail_problems(&lines, &head, state, !local, |l| {
            open_line(l, &keys)
        }));
    } else if !matches!(head, HeadState::Missing) {
        problems.push(format!(
            "{AUDIT_FILE}: missing, though its sealed head is there: the log was deleted"
        ));
    }
    problems.extend(anchor_problems(&lines, anchors));
    let through = entries
        .iter()
        .filter_map(acknowledged_through)
        .max()
        .unwrap_or(0);
    let mut acknowledged = 0;
    for entry in &entries {
        if entry.found.is_empty() {
            continue;
        }
        if entry.seq <= through {
            acknowledged += entry.found.len();
            continue;
        }
        for found in &entry.found {
            problems.push(format!(
                "entry {} ({} at {}) found: {found}",
                entry.seq,
                entry.action.name(),
                entry.at.format("%Y-%m-%d %H:%M:%S UTC")
            ));
        }
    }
    let unsealed = match &head {
        HeadState::Sealed(h) => usize::try_from(h.count)
            .ok()
            .and_then(|at| lines.get(at..))
            .map_or(0, |tail| {
                tail.iter()
                    .filter(|l| tag_of(l) == Some(Tag::Keyed))
                    .count()
            }),
        _ => lines
            .iter()
            .filter(|l| tag_of(l) == Some(Tag::Keyed))
            .count(),
    };
    Ok((
        AuditCheck {
            entries: lines.len(),
            unsealed,
            problems,
            acknowledged,
        },
        lines.iter().map(|l| line_hash(l)).collect(),
    ))
}

/// The name `tandem verify --acknowledge` takes for the audit log's findings.
pub const ACKNOWLEDGE_NAME: &str = "audit-log";

/// The sealed head as found on disk.
enum HeadState {
    Missing,
    /// Does not decrypt with this vault's key, or does not parse.
    Unreadable,
    Sealed(Head),
}

fn read_head(root: &Path, cipher: &Cipher) -> Result<HeadState> {
    let path = root.join(head_name(cipher));
    match super::input::read_regular(&path, "audit head", MAX_HEAD_BYTES).map(|(b, _)| b) {
        Err(e) if e.is_not_found() => Ok(HeadState::Missing),
        Err(e) => Err(e.into()),
        Ok(sealed) => Ok(cipher
            .open(&sealed)
            .ok()
            .and_then(|plain| ron::from_str::<Head>(&String::from_utf8_lossy(&plain)).ok())
            .filter(|h| h.version == HEAD_VERSION)
            .map_or(HeadState::Unreadable, HeadState::Sealed)),
    }
}

/// The log's entries that open, oldest first (for `tandem audit` and the import flags).
pub fn entries(root: &Path, cipher: &Cipher) -> Result<Vec<AuditEntry>> {
    let keys = keys(cipher);
    let mut dirs = Vec::new();
    if has_shared_log(root) {
        dirs.push(root.to_path_buf());
    }
    dirs.extend(
        segment_ids(root)
            .into_iter()
            .map(|d| root.join(AUDIT_DIR).join(d)),
    );
    let mut all = Vec::new();
    for dir in dirs {
        let (text, _) = read_text(&dir)?;
        all.extend(
            lines_of(&text)
                .into_iter()
                .filter_map(|l| open_line(l, &keys).ok()),
        );
    }
    // Every device's entries in the order they were written (each device's clock).
    all.sort_by_key(|e| e.at);
    Ok(all)
}

/// How many lines the log has, and the entries of those from `from` on that open, with the
/// hash of line `from` (1-based: the last one already read) so a caller keeping what it read
/// can tell that the log it read from is still the same one.
pub fn entries_since(
    root: &Path,
    cipher: &Cipher,
    from: usize,
    hash_at_from: Option<&str>,
) -> Result<Since> {
    let (text, _) = read_text(&own_dir(root))?;
    let lines = lines_of(&text);
    let keys = keys(cipher);
    let same = from == 0
        || (from <= lines.len() && Some(line_hash(lines[from - 1]).as_str()) == hash_at_from);
    let start = if same { from } else { 0 };
    Ok(Since {
        restarted: !same,
        entries: lines[start..]
            .iter()
            .filter_map(|l| open_line(l, &keys).ok())
            .collect(),
        lines: lines.len(),
        last_hash: lines.last().map(|l| line_hash(l)),
    })
}

/// What `entries_since` found.
pub struct Since {
    /// The log is not the one read before (cut or replaced): `entries` are all of it.
    pub restarted: bool,
    pub entries: Vec<AuditEntry>,
    pub lines: usize,
    pub last_hash: Option<String>,
}

/// The plaintext log of earlier versions: read and checked once, when it is converted.
mod legacy {
    use super::{AUDIT_FILE, AuditAction, AuditEntry, AuditEvent, Cipher, DateTime, GENESIS, Utc};
    use super::{Deserialize, Digest, Path, Serialize, Sha256, clean, hex};

    /// An entry of the old format.
    #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
    struct Old {
        seq: u64,
        at: DateTime<Utc>,
        actor: String,
        action: AuditAction,
        #[serde(default)]
        record: Option<uuid::Uuid>,
        #[serde(default)]
        detail: String,
        prev: String,
        hash: String,
    }

    impl Old {
        fn digest(&self) -> String {
            let fields = (
                self.seq,
                self.at,
                &self.actor,
                self.action,
                self.record,
                &self.detail,
            );
            let body = ron::to_string(&fields).unwrap_or_default();
            let mut hasher = Sha256::new();
            hasher.update(self.prev.as_bytes());
            hasher.update(b"\n");
            hasher.update(body.as_bytes());
            hex(&hasher.finalize())
        }

        fn entry(&self) -> AuditEntry {
            AuditEntry {
                seq: self.seq,
                at: self.at,
                actor: self.actor.clone(),
                action: self.action,
                record: self.record,
                detail: self.detail.clone(),
                prev: self.prev.clone(),
                before: None,
                found: Vec::new(),
                mac: String::new(),
            }
        }
    }

    #[derive(Deserialize)]
    struct OldHead {
        count: u64,
        hash: String,
    }

    /// The next old-format entry after `lines` (a failed unlock before the log is
    /// converted).
    pub(super) fn entry_after(lines: &[&str], event: &AuditEvent, now: DateTime<Utc>) -> Old2 {
        let last = lines
            .iter()
            .rev()
            .find_map(|l| ron::from_str::<Old>(l).ok());
        let mut old = Old {
            seq: last.as_ref().map_or(1, |e| e.seq + 1),
            at: now,
            actor: clean(&event.actor),
            action: event.action,
            record: event.record,
            detail: clean(&event.detail),
            prev: last.map_or_else(|| GENESIS.to_string(), |e| e.hash),
            hash: String::new(),
        };
        old.hash = old.digest();
        Old2(old)
    }

    /// An old-format entry to write (serializes as the old line did).
    #[derive(Serialize)]
    #[serde(transparent)]
    pub(super) struct Old2(Old);

    impl Old2 {
        pub(super) fn entry(&self) -> AuditEntry {
            self.0.entry()
        }

        #[cfg(test)]
        pub(super) fn hash(&self) -> &str {
            &self.0.hash
        }
    }

    /// Every old entry that parses, and every problem the old checks find: lines that do
    /// not parse, numbering, the hash chain, and the old sealed head.
    pub(super) fn check(
        root: &Path,
        cipher: &Cipher,
        text: &str,
    ) -> (Vec<AuditEntry>, Vec<String>) {
        let mut problems = Vec::new();
        let mut entries = Vec::new();
        for (n, line) in super::lines_of(text).into_iter().enumerate() {
            match ron::from_str::<Old>(line) {
                Ok(e) => entries.push(e),
                Err(_) => problems.push(format!("{AUDIT_FILE} line {}: not an audit entry", n + 1)),
            }
        }
        let mut prev = GENESIS.to_string();
        for (i, e) in entries.iter().enumerate() {
            let expected = i as u64 + 1;
            if e.seq != expected {
                problems.push(format!(
                    "{AUDIT_FILE}: entry {expected} is numbered {} (an entry was removed or inserted)",
                    e.seq
                ));
            }
            if e.prev != prev {
                problems.push(format!(
                    "{AUDIT_FILE}: entry {} does not follow the entry before it (an entry was removed, inserted or edited)",
                    e.seq
                ));
            }
            if e.digest() != e.hash {
                problems.push(format!(
                    "{AUDIT_FILE}: entry {} was changed after it was written",
                    e.seq
                ));
            }
            prev = e.hash.clone();
        }
        let keyed = |from: usize| {
            entries.get(from..).map_or(0, |t| {
                t.iter()
                    .filter(|e| e.action != AuditAction::UnlockFailed)
                    .count()
            })
        };
        let head = super::super::input::read_regular(
            &root.join(super::head_name(cipher)),
            "audit head",
            super::MAX_HEAD_BYTES,
        )
        .ok()
        .and_then(|(sealed, _)| cipher.open(&sealed).ok())
        .and_then(|plain| ron::from_str::<OldHead>(&String::from_utf8_lossy(&plain)).ok());
        match head {
            None if keyed(0) > 1 => problems.push(format!(
                "{}: missing or unreadable, though the log has entries written while unlocked",
                super::head_name(cipher)
            )),
            None => {}
            Some(head) => {
                let at = usize::try_from(head.count).unwrap_or(usize::MAX);
                match at.checked_sub(1).and_then(|i| entries.get(i)) {
                    Some(e) if e.hash == head.hash => {}
                    _ => problems.push(format!(
                        "{AUDIT_FILE}: does not match its sealed head ({} entries were sealed; entries were removed or rewritten)",
                        head.count
                    )),
                }
            }
        }
        (entries.iter().map(Old::entry).collect(), problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::{Protection, Vault};
    use chrono::TimeZone;
    use std::fs;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 9, minute, 0).unwrap()
    }

    fn vault(dir: &Path) -> Vault {
        Vault::init(
            &dir.join("v"),
            Protection::Passphrase {
                passphrase: secrecy::SecretString::from("correct horse battery".to_string()),
                log_n: 10,
            },
            at(0),
        )
        .unwrap()
    }

    fn event(action: AuditAction, record: u128) -> AuditEvent {
        AuditEvent {
            actor: "therapist".into(),
            action,
            record: Some(Uuid::from_u128(record)),
            detail: "disclosure-preparation for partner-a".into(),
        }
    }

    fn log_three(v: &Vault) {
        for (i, action) in [
            AuditAction::Open,
            AuditAction::Export,
            AuditAction::Finalize,
        ]
        .into_iter()
        .enumerate()
        {
            record(
                v.root(),
                &v.cipher,
                &event(action, i as u128),
                &[],
                at(i as u32 + 1),
            )
            .unwrap();
        }
    }

    fn fail(v: &Vault) {
        record_unlock_failure(
            v.root(),
            "someone",
            v.header().audit_recipient.as_deref(),
            Utc::now(),
        )
        .unwrap();
    }

    fn checked(v: &Vault) -> AuditCheck {
        verify(v.root(), &v.cipher, &[]).unwrap()
    }

    fn lines(v: &Vault) -> Vec<String> {
        fs::read_to_string(segment_dir(v.root()).join(AUDIT_FILE))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn rewrite(v: &Vault, edit: impl Fn(&mut Vec<String>)) {
        let mut all = lines(v);
        edit(&mut all);
        fs::write(
            segment_dir(v.root()).join(AUDIT_FILE),
            all.join("\n") + "\n",
        )
        .unwrap();
    }

    #[test]
    fn an_untouched_log_verifies_and_failed_unlocks_may_follow_the_head() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        log_three(&v);
        fail(&v);
        fail(&v);
        let found = checked(&v);
        assert_eq!(found.entries, 5);
        assert!(found.problems.is_empty(), "{:?}", found.problems);
        let all = entries(v.root(), &v.cipher).unwrap();
        assert_eq!(all.len(), 5);
        assert_eq!(all[1].action, AuditAction::Export);
        assert_eq!(all[4].action, AuditAction::UnlockFailed);
        // An unlock after the failures chains over them and seals them in.
        record(
            v.root(),
            &v.cipher,
            &event(AuditAction::Unlock, 9),
            &[],
            at(9),
        )
        .unwrap();
        assert!(checked(&v).problems.is_empty());
    }

    #[test]
    fn the_log_reads_as_nothing_without_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        log_three(&v);
        fail(&v);
        let text = fs::read_to_string(segment_dir(v.root()).join(AUDIT_FILE)).unwrap();
        for clear in [
            "Export",
            "Finalize",
            "UnlockFailed",
            "therapist",
            "someone",
            "partner-a",
            "disclosure",
            "2026",
            "00000000-0000-0000-0000-000000000001",
        ] {
            assert!(!text.contains(clear), "{clear:?} is readable in the log");
        }
        // Another vault's key opens none of it.
        let other_dir = tempfile::tempdir().unwrap();
        let other = vault(other_dir.path());
        fs::create_dir_all(segment_dir(other.root())).unwrap();
        fs::copy(
            segment_dir(v.root()).join(AUDIT_FILE),
            segment_dir(other.root()).join(AUDIT_FILE),
        )
        .unwrap();
        assert!(entries(other.root(), &other.cipher).unwrap().is_empty());
        assert!(
            !verify(other.root(), &other.cipher, &[])
                .unwrap()
                .problems
                .is_empty()
        );
    }

    #[test]
    fn every_kind_of_tampering_is_detected() {
        type Edit = fn(&mut Vec<String>);
        let cases: [(&str, Edit); 6] = [
            ("an edited entry", |l| {
                let mut bytes = l[1].clone().into_bytes();
                let i = bytes.len() / 2;
                bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
                l[1] = String::from_utf8(bytes).unwrap();
            }),
            ("a removed middle entry", |l| {
                l.remove(1);
            }),
            ("a removed last entry", |l| {
                l.pop();
            }),
            ("entries swapped", |l| l.swap(0, 1)),
            ("an entry copied to the end", |l| {
                let copy = l[2].clone();
                l.push(copy);
            }),
            ("a line that is not an entry", |l| {
                l.push("K bm90IGFuIGVudHJ5".into())
            }),
        ];
        for (what, edit) in cases {
            let dir = tempfile::tempdir().unwrap();
            let v = vault(dir.path());
            log_three(&v);
            rewrite(&v, edit);
            assert!(!checked(&v).problems.is_empty(), "{what} went unnoticed");
        }
    }

    /// The strongest forger without the passphrase: knows the vault's public key (it is in
    /// no file, but say it leaked) and the failed-unlock key's (it is in vault.ron), and
    /// appends a correctly chained export by an invented clinician after the sealed head.
    #[test]
    fn a_forged_entry_after_the_head_is_caught_and_stays_caught() {
        for sealed_as in ["keyed", "failed unlock"] {
            let dir = tempfile::tempdir().unwrap();
            let v = vault(dir.path());
            log_three(&v);
            let forged = AuditEntry {
                seq: 4,
                at: at(30),
                actor: "Dr. Nobody (clinician, from settings)".into(),
                action: AuditAction::Export,
                record: Some(Uuid::from_u128(7)),
                detail: "session note for couple".into(),
                prev: line_hash(lines(&v).last().unwrap()),
                before: None,
                found: Vec::new(),
                mac: "00".repeat(32),
            };
            let plain = ron::to_string(&forged).unwrap();
            let line = if sealed_as == "keyed" {
                format!(
                    "K {}",
                    B64.encode(v.sealer().seal(plain.as_bytes()).unwrap())
                )
            } else {
                let notice = Sealer::Age(
                    age::x25519::Recipient::from_str(
                        v.header().audit_recipient.as_deref().unwrap(),
                    )
                    .unwrap(),
                );
                format!("F {}", B64.encode(notice.seal(plain.as_bytes()).unwrap()))
            };
            rewrite(&v, |l| l.push(line.clone()));
            let found = checked(&v);
            assert!(
                found.problems.iter().any(|p| p.contains("line 4")),
                "{sealed_as}: {:?}",
                found.problems
            );
            // The next unlock does not bless it: the forged line stays in the chain.
            record(
                v.root(),
                &v.cipher,
                &event(AuditAction::Unlock, 9),
                &[],
                at(40),
            )
            .unwrap();
            let found = checked(&v);
            assert!(
                found.problems.iter().any(|p| p.contains("line 4")),
                "{sealed_as}: {:?}",
                found.problems
            );
        }
    }

    #[test]
    fn removing_entries_from_the_end_is_caught_by_the_sealed_head() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        log_three(&v);
        rewrite(&v, |l| {
            l.pop();
        });
        let found = checked(&v);
        assert!(
            found
                .problems
                .iter()
                .any(|p| p.contains("3 entries were sealed")),
            "{:?}",
            found.problems
        );
        // The next entry records what it found, so resealing does not hide it.
        record(
            v.root(),
            &v.cipher,
            &event(AuditAction::Unlock, 9),
            &[],
            at(10),
        )
        .unwrap();
        let found = checked(&v);
        assert!(
            found
                .problems
                .iter()
                .any(|p| p.contains("entry 3 (unlock") && p.contains("3 entries were sealed")),
            "{:?}",
            found.problems
        );
        // Until it is acknowledged, which is itself logged.
        let through = next_seq(v.root()).unwrap();
        record(
            v.root(),
            &v.cipher,
            &AuditEvent {
                actor: "therapist".into(),
                action: AuditAction::Acknowledge,
                record: None,
                detail: acknowledgement(through),
            },
            &[],
            at(11),
        )
        .unwrap();
        let found = checked(&v);
        assert!(found.problems.is_empty(), "{:?}", found.problems);
        assert_eq!(found.acknowledged, 1);
    }

    #[test]
    fn deleting_the_failed_unlocks_at_the_end_is_caught() {
        // All of them: the file changed after its sealed write and holds nothing new.
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        log_three(&v);
        let sealed = lines(&v);
        fail(&v);
        fail(&v);
        fs::write(
            segment_dir(v.root()).join(AUDIT_FILE),
            sealed.join("\n") + "\n",
        )
        .unwrap();
        let found = checked(&v);
        assert!(
            found
                .problems
                .iter()
                .any(|p| p.contains("no entry written since")),
            "{:?}",
            found.problems
        );

        // Some of them: the log shows as changed after its last entry, a failed unlock
        // older than the change. (The rule, with the change time a test cannot wait for.)
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        log_three(&v);
        fail(&v);
        let all = lines(&v);
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let keys = keys(&v.cipher);
        let last = open_line(refs[3], &keys).unwrap();
        let head = read_head(&segment_dir(v.root()), &v.cipher).unwrap();
        let state_at = |t: DateTime<Utc>| FileState {
            len: 1,
            changed_secs: t.timestamp(),
            changed_nanos: 0,
        };
        let tail = |t| tail_problems(&refs, &head, state_at(t), false, |l| open_line(l, &keys));
        assert!(tail(last.at + chrono::Duration::seconds(2)).is_empty());
        assert!(
            tail(last.at + chrono::Duration::minutes(5))
                .iter()
                .any(|p| p.contains("failed unlocks were removed")),
        );
    }

    #[test]
    fn a_log_put_back_from_an_older_copy_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        log_three(&v);
        let old_log = fs::read(segment_dir(v.root()).join(AUDIT_FILE)).unwrap();
        let old_head = fs::read(segment_dir(v.root()).join(AUDIT_HEAD_AGE)).unwrap();
        let anchor = record(
            v.root(),
            &v.cipher,
            &event(AuditAction::Export, 5),
            &[],
            at(20),
        )
        .unwrap();
        fs::write(segment_dir(v.root()).join(AUDIT_FILE), old_log).unwrap();
        fs::write(segment_dir(v.root()).join(AUDIT_HEAD_AGE), old_head).unwrap();
        let found = checked(&v);
        assert!(
            found
                .problems
                .iter()
                .any(|p| p.contains("no entry written since")),
            "{:?}",
            found.problems
        );
        // And by the records' anchors, however the copy was made.
        let found = verify(v.root(), &v.cipher, std::slice::from_ref(&anchor)).unwrap();
        assert!(
            found
                .problems
                .iter()
                .any(|p| p.contains("records were saved when it had 4")),
            "{:?}",
            found.problems
        );
    }

    #[test]
    fn a_log_begun_again_is_caught_by_the_line_an_anchor_names() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        log_three(&v);
        let anchor = record(
            v.root(),
            &v.cipher,
            &event(AuditAction::Export, 5),
            &[],
            at(20),
        )
        .unwrap();
        assert!(
            verify(v.root(), &v.cipher, std::slice::from_ref(&anchor))
                .unwrap()
                .problems
                .is_empty()
        );
        // Deleted, and as many entries again: the count matches, the lines do not.
        fs::remove_file(segment_dir(v.root()).join(AUDIT_FILE)).unwrap();
        fs::remove_file(segment_dir(v.root()).join(AUDIT_HEAD_AGE)).unwrap();
        log_three(&v);
        record(
            v.root(),
            &v.cipher,
            &event(AuditAction::Open, 6),
            &[],
            at(21),
        )
        .unwrap();
        let found = verify(v.root(), &v.cipher, std::slice::from_ref(&anchor)).unwrap();
        assert!(
            found
                .problems
                .iter()
                .any(|p| p.contains("entry 4 is not the one")),
            "{:?}",
            found.problems
        );
        // The next unlock that knows the anchor says so in its own entry, for good.
        record(
            v.root(),
            &v.cipher,
            &event(AuditAction::Unlock, 7),
            std::slice::from_ref(&anchor),
            at(22),
        )
        .unwrap();
        let found = checked(&v);
        assert!(
            found
                .problems
                .iter()
                .any(|p| p.contains("found:") && p.contains("entry 4 is not the one")),
            "{:?}",
            found.problems
        );
    }

    #[test]
    fn an_old_plaintext_log_is_sealed_at_the_next_entry_with_its_chain_checked() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        // Three entries as earlier versions wrote them.
        let mut text = String::new();
        let mut lines_so_far: Vec<String> = Vec::new();
        let mut last_hash = String::new();
        for i in 0..3u32 {
            let refs: Vec<&str> = lines_so_far.iter().map(String::as_str).collect();
            let old = legacy::entry_after(&refs, &event(AuditAction::Open, i.into()), at(i));
            let line = ron::to_string(&old).unwrap();
            last_hash = old.hash().to_string();
            text.push_str(&line);
            text.push('\n');
            lines_so_far.push(line);
        }
        // Where earlier versions kept the one log: at the top of the vault.
        fs::write(v.root().join(AUDIT_FILE), &text).unwrap();
        // And its sealed head, as earlier versions sealed it.
        let old_head = format!("(count:3,hash:\"{last_hash}\")");
        fs::write(
            v.root().join(AUDIT_HEAD_AGE),
            v.sealer().seal(old_head.as_bytes()).unwrap(),
        )
        .unwrap();
        assert_eq!(checked(&v).entries, 3);
        record(
            v.root(),
            &v.cipher,
            &event(AuditAction::Unlock, 9),
            &[],
            at(10),
        )
        .unwrap();
        let all = entries(v.root(), &v.cipher).unwrap();
        assert_eq!(
            all.iter().map(|e| e.action).collect::<Vec<_>>(),
            [
                AuditAction::Open,
                AuditAction::Open,
                AuditAction::Open,
                AuditAction::SealLog,
                AuditAction::Segment,
                AuditAction::Unlock
            ]
        );
        // Moved whole into this device's segment, chain and all.
        assert!(!v.root().join(AUDIT_FILE).exists());
        assert!(all[4].found.is_empty(), "{:?}", all[4].found);
        assert!(
            all[3]
                .detail
                .contains("3 plaintext entries sealed; their chain was intact")
        );
        assert!(
            checked(&v).problems.is_empty(),
            "{:?}",
            checked(&v).problems
        );
        assert!(
            !fs::read_to_string(segment_dir(v.root()).join(AUDIT_FILE))
                .unwrap()
                .contains("Open")
        );
    }

    #[test]
    fn each_device_keeps_its_own_segment_and_verify_checks_them_all() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        let office = "00000000000000aa";
        let laptop = "00000000000000bb";
        crate::vault::sync::set_device(v.root(), office);
        log_three(&v);
        let office_anchor = record(
            v.root(),
            &v.cipher,
            &event(AuditAction::Open, 4),
            &[],
            at(4),
        )
        .unwrap();
        assert_eq!(office_anchor.device.as_deref(), Some(office));
        assert_eq!(office_anchor.seq, 4);
        // The same folder on the laptop (as sync brings it): its entries go to its own
        // segment, numbered from 1, and the office's is never written there.
        let office_log = v.root().join(AUDIT_DIR).join(office).join(AUDIT_FILE);
        let before = fs::read(&office_log).unwrap();
        crate::vault::sync::set_device(v.root(), laptop);
        let laptop_anchor = record(
            v.root(),
            &v.cipher,
            &event(AuditAction::Export, 5),
            std::slice::from_ref(&office_anchor),
            at(5),
        )
        .unwrap();
        assert_eq!(laptop_anchor.device.as_deref(), Some(laptop));
        assert_eq!(laptop_anchor.seq, 1);
        assert_eq!(fs::read(&office_log).unwrap(), before);
        assert_eq!(segment_ids(v.root()), [office, laptop]);
        let anchors = [office_anchor.clone(), laptop_anchor.clone()];
        let check = verify(v.root(), &v.cipher, &anchors).unwrap();
        assert!(check.problems.is_empty(), "{:?}", check.problems);
        assert_eq!(check.entries, 5);
        assert_eq!(entries(v.root(), &v.cipher).unwrap().len(), 5);

        // The office's segment cut on the laptop (its last entry gone): its sealed head
        // and the records' anchors both say so, named by device.
        let text = fs::read_to_string(&office_log).unwrap();
        let kept: Vec<&str> = text.lines().take(3).collect();
        fs::write(&office_log, kept.join("\n") + "\n").unwrap();
        let check = verify(v.root(), &v.cipher, &anchors).unwrap();
        assert!(
            check
                .problems
                .iter()
                .any(|p| p.starts_with(&format!("device {office}:")) && p.contains("removed")),
            "{:?}",
            check.problems
        );
        // Restored: clean again. A whole segment deleted is caught by the anchors.
        fs::write(&office_log, &before).unwrap();
        assert!(
            verify(v.root(), &v.cipher, &anchors)
                .unwrap()
                .problems
                .is_empty()
        );
        fs::remove_dir_all(v.root().join(AUDIT_DIR).join(office)).unwrap();
        let check = verify(v.root(), &v.cipher, &anchors).unwrap();
        assert!(
            check
                .problems
                .iter()
                .any(|p| p.contains(&format!("{AUDIT_DIR}/{office}: missing"))),
            "{:?}",
            check.problems
        );
    }

    #[test]
    fn another_devices_segment_forged_without_the_key_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        crate::vault::sync::set_device(v.root(), "00000000000000aa");
        log_three(&v);
        crate::vault::sync::set_device(v.root(), "00000000000000bb");
        record(
            v.root(),
            &v.cipher,
            &event(AuditAction::Open, 4),
            &[],
            at(4),
        )
        .unwrap();
        // A line appended to the office's segment by someone without the passphrase.
        let office_log = v
            .root()
            .join(AUDIT_DIR)
            .join("00000000000000aa")
            .join(AUDIT_FILE);
        let mut text = fs::read_to_string(&office_log).unwrap();
        text.push_str(
            "K AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n",
        );
        fs::write(&office_log, text).unwrap();
        let check = verify(v.root(), &v.cipher, &[]).unwrap();
        assert!(
            check
                .problems
                .iter()
                .any(|p| p.starts_with("device 00000000000000aa:") && p.contains("line 4")),
            "{:?}",
            check.problems
        );
    }

    #[test]
    fn control_characters_cannot_split_an_entry() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        let mut e = event(AuditAction::Export, 1);
        e.detail = "line\nbreak".into();
        record(v.root(), &v.cipher, &e, &[], at(1)).unwrap();
        assert_eq!(entries(v.root(), &v.cipher).unwrap().len(), 1);
        assert!(checked(&v).problems.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_named_pipe_in_place_of_the_log_is_refused_and_never_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        log_three(&v);
        let log = segment_dir(v.root()).join(AUDIT_FILE);
        fs::remove_file(&log).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(&log)
            .status()
            .unwrap();
        assert!(made.success());
        let (send, receive) = std::sync::mpsc::channel();
        let root = v.root().to_path_buf();
        let cipher = v.cipher.clone();
        std::thread::spawn(move || {
            let appended = record(&root, &cipher, &event(AuditAction::Open, 9), &[], at(9));
            let listed = entries(&root, &cipher);
            let _ = send.send((appended.is_err(), listed.is_err()));
        });
        let (append_refused, list_refused) = receive
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("finished without waiting on the pipe");
        assert!(
            append_refused,
            "an audited change is refused, not made unlogged"
        );
        assert!(list_refused);
    }
}
