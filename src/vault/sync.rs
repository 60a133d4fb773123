//! What lets several devices share one vault folder through a sync engine (Syncthing):
//! each device's own id, the version every record file carries, and the names of the
//! copies a sync engine (or Tandem) keeps of a conflicting change.
//!
//! A record's version is a version vector: for each device that saved it, how many times
//! it did. A save on this device counts one up from the version it started from, so one
//! version *follows* another when it counts at least as far for every device. Two
//! versions where neither follows the other were saved on two devices without either
//! seeing the other's: a conflict. A version the other follows is older: a file going
//! back to it was rolled back (a device coming back after a month offline, a copy put
//! back), and is never taken as the newer one.

use super::fsutil;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use uuid::Uuid;

/// The folder of what belongs to this device alone (never synced: see `SYNC_IGNORES`).
pub const LOCAL_DIR: &str = "local";
const DEVICE_FILE: &str = "device.ron";

/// This device's id in this vault folder, and the machine it was made on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct DeviceFile {
    id: String,
    /// SHA-256 of the machine's id, so a vault folder copied whole to another computer
    /// (its `local/` with it) gets a device id of its own there.
    machine: String,
}

fn machine_fingerprint() -> String {
    let machine = ["/etc/machine-id", "/var/lib/dbus/machine-id"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    let mut hasher = Sha256::new();
    hasher.update(b"tandem machine v1\n");
    hasher.update(machine.as_bytes());
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a name is a device id Tandem made (16 lower-case hex digits): only such names
/// are taken as device segments or version entries.
pub fn is_device_id(name: &str) -> bool {
    name.len() == 16 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// This device's id for the vault at `root`: read from `local/device.ron`, or made and
/// written there (16 random hex digits) the first time, and again when the folder was
/// copied to another machine. If it cannot be written (a read-only folder), an id made
/// from the machine and the folder's path is used, the same each time.
pub fn device_id(root: &Path) -> String {
    let machine = machine_fingerprint();
    let path = root.join(LOCAL_DIR).join(DEVICE_FILE);
    if let Ok(text) = std::fs::read_to_string(&path)
        && let Ok(file) = ron::from_str::<DeviceFile>(&text)
        && file.machine == machine
        && is_device_id(&file.id)
    {
        return file.id;
    }
    let id = Uuid::new_v4().simple().to_string()[..16].to_string();
    let file = DeviceFile {
        id: id.clone(),
        machine: machine.clone(),
    };
    let written = ron::to_string(&file).ok().is_some_and(|text| {
        fsutil::create_private_dir(&root.join(LOCAL_DIR)).is_ok()
            && fsutil::write_atomic(&root.join(LOCAL_DIR), DEVICE_FILE, text.as_bytes()).is_ok()
    });
    if written {
        return id;
    }
    let canonical = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut hasher = Sha256::new();
    hasher.update(machine.as_bytes());
    hasher.update(canonical.to_string_lossy().as_bytes());
    hex(&hasher.finalize())[..16].to_string()
}

/// Make this folder's device `id` (tests: two devices sharing one folder, in turn).
#[cfg(test)]
pub(crate) fn set_device(root: &Path, id: &str) {
    let file = DeviceFile {
        id: id.to_string(),
        machine: machine_fingerprint(),
    };
    std::fs::create_dir_all(root.join(LOCAL_DIR)).expect("local folder");
    std::fs::write(
        root.join(LOCAL_DIR).join(DEVICE_FILE),
        ron::to_string(&file).expect("ron"),
    )
    .expect("device file");
}

/// What this device last read or wrote of a record: its version, and the file's stamp
/// then (`None`: known from the index's summary only).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Seen {
    pub version: Version,
    pub stamp: Option<super::Stamp>,
}

/// What this process knows of each record's version, shared with the save thread: a save
/// starts from the version read, and a file found changed since (by another device,
/// through sync) is kept as a conflict copy, never written over.
pub type Known = std::sync::Arc<std::sync::Mutex<std::collections::HashMap<Uuid, Seen>>>;

/// Remember what this process last read or wrote of a record.
pub fn remember(known: &Known, id: Uuid, seen: Seen) {
    known
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(id, seen);
}

/// How two versions of one record stand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    Same,
    /// The first is older: the second follows it.
    Older,
    /// The first is newer: it follows the second.
    Newer,
    /// Saved on different devices, neither seeing the other: a conflict.
    Concurrent,
}

/// A record's version: how many saves each device made of it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Version(pub BTreeMap<String, u64>);

impl Version {
    /// The version after one more save on `device`.
    pub fn bumped(&self, device: &str) -> Version {
        let mut next = self.clone();
        *next.0.entry(device.to_string()).or_insert(0) += 1;
        next
    }

    /// The smallest version following both (what a merge of the two starts from).
    pub fn joined(&self, other: &Version) -> Version {
        let mut joined = self.clone();
        for (device, count) in &other.0 {
            let mine = joined.0.entry(device.clone()).or_insert(0);
            *mine = (*mine).max(*count);
        }
        joined
    }

    /// How `self` stands to `other`.
    pub fn order(&self, other: &Version) -> Order {
        let get = |v: &Version, d: &str| v.0.get(d).copied().unwrap_or(0);
        let mut behind = false;
        let mut ahead = false;
        for device in self.0.keys().chain(other.0.keys()) {
            let (a, b) = (get(self, device), get(other, device));
            behind |= a < b;
            ahead |= a > b;
        }
        match (behind, ahead) {
            (false, false) => Order::Same,
            (true, false) => Order::Older,
            (false, true) => Order::Newer,
            (true, true) => Order::Concurrent,
        }
    }

    /// Whether a device other than `own` counts more saves here than in `base`: a change
    /// made elsewhere, which a save on `base` must not write over.
    pub fn has_newer_from_others(&self, base: &Version, own: &str) -> bool {
        self.0
            .iter()
            .any(|(device, n)| device != own && *n > base.0.get(device).copied().unwrap_or(0))
    }

    /// Saves counted over every device (for messages).
    pub fn saves(&self) -> u64 {
        self.0.values().sum()
    }

    /// Whether any device was counted (a file written before versions existed has none).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The record a conflict copy is a copy of: `UUID.sync-conflict-…EXT` (Syncthing's
/// naming, which Tandem's own copies follow) gives the record's id. `None` for any other
/// name.
pub fn conflict_of(name: &str, extension: &str) -> Option<Uuid> {
    let (stem, rest) = name.split_once(".sync-conflict-")?;
    if !rest.ends_with(extension) {
        return None;
    }
    Uuid::parse_str(stem)
        .ok()
        .filter(|id| id.to_string() == stem)
}

/// The name Tandem gives a copy it keeps of a version it must not overwrite (a file
/// changed by another device since this one read it): Syncthing's pattern, so every tool
/// treats it as the conflict copy it is, with this device's id at the end.
pub fn conflict_name(
    id: Uuid,
    extension: &str,
    device: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    conflict_name_at(
        id,
        extension,
        device,
        &now.format("%Y%m%d-%H%M%S").to_string(),
    )
}

/// As `conflict_name`, with the time as Syncthing writes it (`YYYYMMDD-HHMMSS`).
pub fn conflict_name_at(id: Uuid, extension: &str, device: &str, when: &str) -> String {
    format!(
        "{id}.sync-conflict-{when}-{}{extension}",
        device.get(..7).unwrap_or(device).to_uppercase()
    )
}

/// The time in the name of a version Syncthing kept (`NAME~YYYYMMDD-HHMMSS.EXT`).
pub fn kept_at(path: &Path, extension: &str) -> Option<String> {
    let name = path.file_name()?.to_string_lossy().into_owned();
    let stem = name.strip_suffix(extension)?;
    let (_, when) = stem.rsplit_once('~')?;
    (when.len() == 15 && when.bytes().all(|b| b.is_ascii_digit() || b == b'-'))
        .then(|| when.to_string())
}

/// Where Syncthing keeps the files a peer's change replaced, when the folder has file
/// versioning on ("simple" or "staggered"): `.stversions/<same path>~YYYYMMDD-HHMMSS.EXT`.
pub const VERSIONS_DIR: &str = ".stversions";

/// The versions Syncthing kept of one record file, newest name first.
pub fn kept_versions(
    root: &Path,
    folder: &str,
    id: Uuid,
    extension: &str,
) -> Vec<std::path::PathBuf> {
    let dir = root
        .join(VERSIONS_DIR)
        .join(super::RECORDS_DIR)
        .join(folder);
    let prefix = format!("{id}~");
    let mut found: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with(&prefix) && name.ends_with(extension)
        })
        .map(|e| e.path())
        .collect();
    found.sort();
    found.reverse();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(pairs: &[(&str, u64)]) -> Version {
        Version(pairs.iter().map(|(d, n)| (d.to_string(), *n)).collect())
    }

    #[test]
    fn versions_order_by_every_device() {
        let a = "aaaaaaaaaaaaaaaa";
        let b = "bbbbbbbbbbbbbbbb";
        assert_eq!(v(&[(a, 2)]).order(&v(&[(a, 2)])), Order::Same);
        assert_eq!(v(&[(a, 1)]).order(&v(&[(a, 2)])), Order::Older);
        assert_eq!(v(&[(a, 3)]).order(&v(&[(a, 2)])), Order::Newer);
        // B saved on top of A's second save: follows it.
        assert_eq!(v(&[(a, 2), (b, 1)]).order(&v(&[(a, 2)])), Order::Newer);
        // Each saved without seeing the other's.
        assert_eq!(v(&[(a, 3)]).order(&v(&[(a, 2), (b, 1)])), Order::Concurrent);
        // Nothing counted (before versions) is older than anything counted.
        assert_eq!(Version::default().order(&v(&[(a, 1)])), Order::Older);
        let joined = v(&[(a, 3)]).joined(&v(&[(a, 2), (b, 1)]));
        assert_eq!(joined, v(&[(a, 3), (b, 1)]));
        assert_eq!(joined.bumped(b), v(&[(a, 3), (b, 2)]));
        // Only another device's saves make a version newer "from elsewhere".
        assert!(!v(&[(a, 5)]).has_newer_from_others(&v(&[(a, 2)]), a));
        assert!(v(&[(a, 2), (b, 1)]).has_newer_from_others(&v(&[(a, 2)]), a));
    }

    #[test]
    fn a_month_offline_is_older_or_a_conflict_never_newer() {
        let office = "0000000000000001";
        let laptop = "0000000000000002";
        // Both saw save 3; the office went on to save 40 times while the laptop was away.
        let seen_by_office = v(&[(office, 43)]);
        // The laptop comes back with its month-old file, untouched: older.
        assert_eq!(v(&[(office, 3)]).order(&seen_by_office), Order::Older);
        // The laptop had saved once on the old version: a conflict, not newer.
        assert_eq!(
            v(&[(office, 3), (laptop, 1)]).order(&seen_by_office),
            Order::Concurrent
        );
    }

    #[test]
    fn conflict_copies_name_their_record() {
        let id = Uuid::new_v4();
        let name = format!("{id}.sync-conflict-20261127-101500-ABCDEFG.age");
        assert_eq!(conflict_of(&name, ".age"), Some(id));
        assert_eq!(conflict_of(&format!("{id}.age"), ".age"), None);
        assert_eq!(conflict_of("notes.sync-conflict-1.age", ".age"), None);
        let made = conflict_name(id, ".age", "0123456789abcdef", chrono::Utc::now());
        assert_eq!(conflict_of(&made, ".age"), Some(id));
        assert!(made.ends_with("-0123456.age"), "{made}");
    }

    #[test]
    fn a_device_keeps_its_id_and_a_copied_folder_gets_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let first = device_id(dir.path());
        assert!(is_device_id(&first));
        assert_eq!(device_id(dir.path()), first);
        // The file says another machine made it: this one makes its own.
        let path = dir.path().join(LOCAL_DIR).join(DEVICE_FILE);
        std::fs::write(
            &path,
            ron::to_string(&DeviceFile {
                id: first.clone(),
                machine: "elsewhere".into(),
            })
            .unwrap(),
        )
        .unwrap();
        let second = device_id(dir.path());
        assert_ne!(second, first);
        assert_eq!(device_id(dir.path()), second);
    }
}
