//! The audit log: who opened, exported, finalized or amended which record, when, and every
//! failed unlock. Ids and fixed words only, never clinical text or names.
//!
//! `audit.log` holds one entry per line, each carrying the SHA-256 of the entry before it,
//! so an edited, inserted or removed line breaks the chain. After every entry written
//! while the vault is unlocked, the head (how many entries, the last hash) is sealed with
//! the vault's key in `audit-head.age`: lines cut off the end, or a chain rewritten from
//! the start, no longer match it, and without the passphrase the head cannot be forged.
//! Failed unlocks are appended without the key, after the sealed head, and `verify`
//! accepts only those there.

use super::crypto::{Cipher, Sealer};
use super::error::{Result, VaultError};
use super::fsutil;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use uuid::Uuid;

pub const AUDIT_FILE: &str = "audit.log";
/// Largest audit log read: an entry is about 250 bytes, so 4 GiB is some 16 million
/// entries, centuries of a busy practice; anything larger is not a log Tandem wrote.
pub const MAX_AUDIT_BYTES: u64 = 4 * 1024 * 1024 * 1024;
/// Largest sealed head read: one sequence number and hash, sealed, about 400 bytes.
const MAX_HEAD_BYTES: u64 = 64 * 1024;
/// The sealed head; `.ron` in an unencrypted test vault.
pub const AUDIT_HEAD_AGE: &str = "audit-head.age";
pub const AUDIT_HEAD_RON: &str = "audit-head.ron";

/// The hash before the first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

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

/// One line of the log.
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
    /// Hash of the entry before (all zeros for the first).
    pub prev: String,
    /// Hash of this entry: SHA-256 over `prev` and the fields above.
    pub hash: String,
}

impl AuditEntry {
    fn digest(&self) -> String {
        let mut hasher = Sha256::new();
        let fields = (
            self.seq,
            self.at,
            &self.actor,
            self.action,
            self.record,
            &self.detail,
        );
        // RON of a tuple of plain fields is a stable encoding of them.
        let body = ron::to_string(&fields).unwrap_or_default();
        hasher.update(self.prev.as_bytes());
        hasher.update(b"\n");
        hasher.update(body.as_bytes());
        hex(&hasher.finalize())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The sealed head of the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Head {
    count: u64,
    hash: String,
}

fn head_name(sealer_is_age: bool) -> &'static str {
    if sealer_is_age {
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

fn parse(text: &str) -> (Vec<AuditEntry>, Vec<String>) {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate() {
        match ron::from_str::<AuditEntry>(line) {
            Ok(entry) => entries.push(entry),
            Err(_) => problems.push(format!("{AUDIT_FILE} line {}: not an audit entry", n + 1)),
        }
    }
    (entries, problems)
}

/// Every entry in the log, with the line each parse problem is on.
fn read_entries(root: &Path) -> Result<(Vec<AuditEntry>, Vec<String>)> {
    let path = root.join(AUDIT_FILE);
    match super::input::read_regular(&path, "audit log", MAX_AUDIT_BYTES) {
        Ok((bytes, _)) => Ok(parse(&String::from_utf8_lossy(&bytes))),
        Err(e) if e.is_not_found() => Ok((Vec::new(), Vec::new())),
        Err(e) => Err(e.into()),
    }
}

/// Append one entry chained to the last, holding the file's lock so that two Tandem
/// processes (the app and a command line export, say) never interleave; `then` runs
/// before the lock is released.
fn append(
    root: &Path,
    event: &AuditEvent,
    now: DateTime<Utc>,
    then: impl FnOnce(&[AuditEntry], &AuditEntry) -> Result<()>,
) -> Result<AuditEntry> {
    use std::io::Read;
    let path = root.join(AUDIT_FILE);
    let io = |e| VaultError::io(format!("cannot write {}", path.display()), e);
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
    let mut text = String::new();
    (&mut file)
        .take(MAX_AUDIT_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(io)?;
    if text.len() as u64 > MAX_AUDIT_BYTES {
        return Err(VaultError::Invalid(format!(
            "the audit log is larger than the {} it may be: {}",
            super::input::size_text(MAX_AUDIT_BYTES),
            path.display()
        )));
    }
    let (entries, unparsed) = parse(&text);
    let (seq, prev) = entries
        .last()
        .map_or((1, GENESIS.to_string()), |e| (e.seq + 1, e.hash.clone()));
    let mut entry = AuditEntry {
        seq,
        at: now,
        actor: clean(&event.actor),
        action: event.action,
        record: event.record,
        detail: clean(&event.detail),
        prev,
        hash: String::new(),
    };
    entry.hash = entry.digest();
    let line = ron::to_string(&entry).map_err(|e| VaultError::Invalid(e.to_string()))?;
    file.write_all(format!("{line}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io)?;
    // A line that does not parse is damage the new head must not paper over: pass an
    // impossible entry in its place so the check below fails.
    let mut before = entries;
    if !unparsed.is_empty() {
        before.clear();
        before.push(AuditEntry {
            seq: 0,
            at: now,
            actor: String::new(),
            action: AuditAction::Open,
            record: None,
            detail: String::new(),
            prev: String::new(),
            hash: String::new(),
        });
    }
    then(&before, &entry)?;
    // Dropping the file releases the lock.
    Ok(entry)
}

/// Who is at the keyboard, as the system names them (the login name).
/// Who an entry says acted, labelled by where the name comes from: the clinician's name
/// from the practice's settings (the name notes are signed with, `tandem settings
/// --clinician-name`) when it is set, else the computer's login name. Neither is proof: anyone who
/// unlocks the vault can change the one and set the other (`USER=x`), so the label says
/// which claim it is.
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

/// Log an event in an unlocked vault, and seal the new head, but only over a log that
/// checked out: a log already edited, cut or rewritten keeps its old head, so the damage
/// stays visible to `verify` however many entries follow.
pub fn record(root: &Path, cipher: &Cipher, event: &AuditEvent, now: DateTime<Utc>) -> Result<()> {
    let sealer = cipher.sealer();
    append(root, event, now, |before, entry| {
        if !check(
            before,
            &read_head(root, cipher)?,
            head_name(matches!(cipher, Cipher::Age(_))),
        )
        .is_empty()
        {
            return Ok(());
        }
        let head = Head {
            count: entry.seq,
            hash: entry.hash.clone(),
        };
        let text = ron::to_string(&head).map_err(|e| VaultError::Invalid(e.to_string()))?;
        let sealed = sealer.seal(text.as_bytes())?;
        let name = head_name(matches!(sealer, Sealer::Age(_)));
        fsutil::write_atomic(root, name, &sealed)
            .map_err(|e| VaultError::io(format!("cannot write {}", root.join(name).display()), e))
    })
    .map(|_| ())
}

/// Log a failed unlock (there is no key to seal the head with).
pub fn record_unlock_failure(root: &Path, actor: &str, now: DateTime<Utc>) -> Result<()> {
    append(
        root,
        &AuditEvent {
            actor: actor.to_string(),
            action: AuditAction::UnlockFailed,
            record: None,
            detail: String::new(),
        },
        now,
        |_, _| Ok(()),
    )
    .map(|_| ())
}

/// What checking the log found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditCheck {
    pub entries: usize,
    /// Entries after the sealed head written while unlocked (see `keyed`): normal after a
    /// crash, reported for the record.
    pub unsealed: usize,
    /// Each break in the chain or mismatch with the sealed head, described.
    pub problems: Vec<String>,
}

/// Check the whole log: every line parses, numbers run on, every hash is right and
/// chains to the one before, and the sealed head matches its entry.
pub fn verify(root: &Path, cipher: &Cipher) -> Result<AuditCheck> {
    let (entries, mut problems) = read_entries(root)?;
    let head = read_head(root, cipher)?;
    problems.extend(check(
        &entries,
        &head,
        head_name(matches!(cipher, Cipher::Age(_))),
    ));
    let unsealed = match &head {
        HeadState::Sealed(h) => usize::try_from(h.count)
            .ok()
            .and_then(|at| entries.get(at..))
            .map_or(0, keyed),
        _ => keyed(&entries),
    };
    Ok(AuditCheck {
        entries: entries.len(),
        unsealed,
        problems,
    })
}

/// The sealed head as found on disk.
enum HeadState {
    Missing,
    /// Does not decrypt with this vault's key, or does not parse.
    Unreadable,
    Sealed(Head),
}

fn read_head(root: &Path, cipher: &Cipher) -> Result<HeadState> {
    let path = root.join(head_name(matches!(cipher, Cipher::Age(_))));
    match super::input::read_regular(&path, "audit head", MAX_HEAD_BYTES).map(|(b, _)| b) {
        Err(e) if e.is_not_found() => Ok(HeadState::Missing),
        Err(e) => Err(e.into()),
        Ok(sealed) => Ok(cipher
            .open(&sealed)
            .ok()
            .and_then(|plain| ron::from_str(&String::from_utf8_lossy(&plain)).ok())
            .map_or(HeadState::Unreadable, HeadState::Sealed)),
    }
}

/// Entries written while unlocked after the sealed head. A process stopped (a crash, a
/// kill) between writing its entry and sealing the head leaves one; the next entry seals
/// it. They are reported, not counted as tampering: they could also have been appended by
/// hand, but nothing before them can have been removed or changed unnoticed.
fn keyed(after_head: &[AuditEntry]) -> usize {
    after_head
        .iter()
        .filter(|e| e.action != AuditAction::UnlockFailed)
        .count()
}

/// Every break in the chain, and every mismatch with the sealed head.
fn check(entries: &[AuditEntry], head: &HeadState, head_file: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut prev = GENESIS.to_string();
    for (i, entry) in entries.iter().enumerate() {
        let expected_seq = i as u64 + 1;
        if entry.seq != expected_seq {
            problems.push(format!(
                "{AUDIT_FILE}: entry {expected_seq} is numbered {} (an entry was removed or inserted)",
                entry.seq
            ));
        }
        if entry.prev != prev {
            problems.push(format!(
                "{AUDIT_FILE}: entry {} does not follow the entry before it (an entry was removed, inserted or edited)",
                entry.seq
            ));
        }
        if entry.digest() != entry.hash {
            problems.push(format!(
                "{AUDIT_FILE}: entry {} was changed after it was written",
                entry.seq
            ));
        }
        prev = entry.hash.clone();
    }
    match head {
        HeadState::Missing => {
            // One entry may be there without a head: the very first, from a process
            // stopped before it sealed it. More means the head was deleted.
            if keyed(entries) > 1 {
                problems.push(format!(
                    "{head_file}: missing, though the log has entries written while unlocked"
                ));
            }
        }
        HeadState::Unreadable => problems.push(format!(
            "{head_file}: damaged or not sealed with this vault's key"
        )),
        HeadState::Sealed(head) => {
            let at = usize::try_from(head.count).unwrap_or(usize::MAX);
            match at.checked_sub(1).and_then(|i| entries.get(i)) {
                Some(entry) if entry.hash == head.hash => {}
                _ => problems.push(format!(
                    "{AUDIT_FILE}: does not match its sealed head ({} entries were sealed; entries were removed or rewritten)",
                    head.count
                )),
            }
        }
    }
    problems
}

/// The log's entries, newest last (for `tandem audit`).
pub fn entries(root: &Path) -> Result<Vec<AuditEntry>> {
    read_entries(root).map(|(entries, _)| entries)
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
            detail: "note for the couple".into(),
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
                at(i as u32 + 1),
            )
            .unwrap();
        }
    }

    fn checked(v: &Vault) -> AuditCheck {
        verify(v.root(), &v.cipher).unwrap()
    }

    fn rewrite(v: &Vault, edit: impl Fn(&mut Vec<String>)) {
        let path = v.root().join(AUDIT_FILE);
        let mut lines: Vec<String> = fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        edit(&mut lines);
        fs::write(&path, lines.join("\n") + "\n").unwrap();
    }

    #[test]
    fn an_untouched_log_verifies_and_failed_unlocks_may_follow_the_head() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        log_three(&v);
        record_unlock_failure(v.root(), "someone", at(9)).unwrap();
        let found = checked(&v);
        assert_eq!(found.entries, 4);
        assert!(found.problems.is_empty(), "{:?}", found.problems);
    }

    #[test]
    fn every_kind_of_tampering_is_detected() {
        type Edit = fn(&mut Vec<String>);
        let cases: [(&str, Edit); 5] = [
            ("an edited entry", |l| l[1] = l[1].replace("Export", "Open")),
            ("a removed middle entry", |l| {
                l.remove(1);
            }),
            ("a removed last entry", |l| {
                l.pop();
            }),
            ("entries swapped", |l| l.swap(0, 1)),
            ("a forged entry after the head", |l| {
                let forged = l[2].replace("Finalize", "Open").replace("seq:3", "seq:4");
                l.push(forged);
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

    #[test]
    fn a_chain_rebuilt_from_scratch_does_not_match_the_sealed_head() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        log_three(&v);
        // Someone rewrites the log with correct hashes but one entry fewer.
        fs::remove_file(v.root().join(AUDIT_FILE)).unwrap();
        for i in 0..2 {
            append(
                v.root(),
                &event(AuditAction::Open, i),
                at(i as u32),
                |_, _| Ok(()),
            )
            .unwrap();
        }
        let found = checked(&v);
        assert!(
            found.problems.iter().any(|p| p.contains("sealed head")),
            "{:?}",
            found.problems
        );
    }

    #[test]
    fn control_characters_cannot_split_an_entry() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        let mut e = event(AuditAction::Export, 1);
        e.detail = "line\nbreak".into();
        record(v.root(), &v.cipher, &e, at(1)).unwrap();
        assert_eq!(entries(v.root()).unwrap().len(), 1);
        assert!(checked(&v).problems.is_empty());
    }

    #[test]
    fn entries_written_after_tampering_do_not_hide_it() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        log_three(&v);
        let text = fs::read_to_string(v.root().join(AUDIT_FILE)).unwrap();
        let cut: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
        fs::write(v.root().join(AUDIT_FILE), cut).unwrap();
        // The next unlock appends and would reseal; it must not.
        for i in 0..3 {
            record(
                v.root(),
                &v.cipher,
                &event(AuditAction::Unlock, 9),
                at(10 + i),
            )
            .unwrap();
        }
        assert!(!checked(&v).problems.is_empty());
        // Same for an edited entry.
        let text = fs::read_to_string(v.root().join(AUDIT_FILE)).unwrap();
        fs::write(
            v.root().join(AUDIT_FILE),
            text.replacen("Open", "Finalize", 1),
        )
        .unwrap();
        record(v.root(), &v.cipher, &event(AuditAction::Unlock, 9), at(20)).unwrap();
        assert!(!checked(&v).problems.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_named_pipe_in_place_of_the_log_is_refused_and_never_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let v = vault(dir.path());
        log_three(&v);
        let log = v.root().join(AUDIT_FILE);
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
            let appended = record(&root, &cipher, &event(AuditAction::Open, 9), at(9));
            let listed = entries(&root);
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
