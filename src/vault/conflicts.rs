//! Two versions of one record, from two devices: found, shown, and settled without losing
//! either. A conflict copy (`UUID.sync-conflict-….age`, made by Syncthing when two
//! devices changed one file, or by Tandem when a save found the file changed under it)
//! is opened beside its record and the two versions compared (`sync::Version`). The
//! therapist keeps one, or a merge of the two; the new version follows both, and the copy
//! is moved to `resolved/` (kept, never deleted), so every device sees it settled.

use super::record::{self, Envelope, RecordBody, RecordKind};
use super::sync::{self, Order, Version};
use super::{ReadOutcome, Result, Vault, VaultError, fsutil};
use chrono::{DateTime, Utc};
use std::fs;
use std::path::PathBuf;
use uuid::Uuid;

/// Where settled conflict copies are kept (`resolved/<kind folder>/<copy name>`).
pub const RESOLVED_DIR: &str = "resolved";

/// One version of a record, as a side of a conflict shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Side {
    pub body: RecordBody,
    pub version: Version,
    pub saved_at: DateTime<Utc>,
    /// The device whose trail the save was anchored in (who saved it last).
    pub device: Option<String>,
}

impl Side {
    fn of(envelope: Envelope) -> Side {
        Side {
            device: envelope.audit.as_ref().and_then(|a| a.device.clone()),
            body: envelope.body,
            version: envelope.version,
            saved_at: envelope.saved_at,
        }
    }
}

/// A record and a conflict copy of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Conflict {
    pub kind: RecordKind,
    pub id: Uuid,
    /// The copy's file name in the kind's folder.
    pub copy: String,
    /// The record as its file now reads (`None`: the file is gone or does not open).
    pub current: Option<Side>,
    /// The copy (`None`: it does not open; it is still kept).
    pub other: Option<Side>,
}

impl Conflict {
    /// How the copy stands to the current version: `Older` or `Same`, it holds nothing
    /// the current one lacks; `Newer`, the current one went back (a rollback) and the
    /// copy is the newer; `Concurrent`, each holds changes the other lacks.
    pub fn order(&self) -> Option<Order> {
        Some(
            self.other
                .as_ref()?
                .version
                .order(&self.current.as_ref()?.version),
        )
    }

    /// Where the record's file is, relative to `records/` (as problems name files).
    pub fn file(&self) -> String {
        format!("{}/{}", self.kind.folder(), self.copy)
    }
}

/// How a conflict is settled.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolution {
    /// Keep the record as it now reads.
    KeepCurrent,
    /// Keep the copy's version.
    KeepOther,
    /// Keep this record, made from both (step by step, section by section).
    Merged(Box<RecordBody>),
}

impl Resolution {
    /// The fixed words the audit entry says (never the record's content).
    pub fn name(&self) -> &'static str {
        match self {
            Resolution::KeepCurrent => "kept the current version",
            Resolution::KeepOther => "kept the other version",
            Resolution::Merged(_) => "merged the two versions",
        }
    }
}

impl Vault {
    fn open_file(&self, kind: RecordKind, id: Uuid, name: &str) -> Option<Envelope> {
        let path = self.kind_dir(kind).join(name);
        let (bytes, _) = super::read_capped(&path).ok()?;
        let plain = self.cipher.open(&bytes).ok()?;
        record::decode(&plain, kind, id).ok()
    }

    /// The conflict copies of one record beside it, by name.
    fn copies_of(&self, kind: RecordKind, id: Uuid) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.kind_dir(kind))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| sync::conflict_of(n, self.extension()) == Some(id))
            .collect();
        names.sort();
        names
    }

    /// The kind and id of a record file named as problems name it (`folder/name`).
    pub(super) fn key_parts(&self, key: &str) -> Option<(RecordKind, Uuid)> {
        let (folder, name) = key.split_once('/')?;
        let kind = RecordKind::from_name(folder)?;
        let id = name
            .strip_suffix(self.extension())
            .and_then(|s| Uuid::parse_str(s).ok())?;
        Some((kind, id))
    }

    /// Whether a conflict copy beside the record `key` (`folder/name`) holds the version
    /// `seen`, or one following it.
    pub(super) fn has_newer_copy(&self, key: &str, seen: &Version) -> bool {
        let Some((kind, id)) = self.key_parts(key) else {
            return false;
        };
        self.copies_of(kind, id).iter().any(|copy| {
            self.open_file(kind, id, copy)
                .is_some_and(|e| matches!(e.version.order(seen), Order::Same | Order::Newer))
        })
    }

    /// A version this device saw, replaced by an older one through sync: if Syncthing's
    /// file versioning kept it (`.stversions`), put it back beside the record as a
    /// conflict copy. Whether it (or a copy holding it already) is there.
    pub(super) fn recover_from_versions(&self, kind: RecordKind, id: Uuid, seen: &Version) -> bool {
        let key = format!("{}/{id}{}", kind.folder(), self.extension());
        if self.has_newer_copy(&key, seen) {
            return true;
        }
        for path in sync::kept_versions(&self.root, kind.folder(), id, self.extension()) {
            let Ok((bytes, _)) = super::read_capped(&path) else {
                continue;
            };
            let holds = self
                .cipher
                .open(&bytes)
                .ok()
                .and_then(|plain| record::decode(&plain, kind, id).ok())
                .is_some_and(|e| matches!(e.version.order(seen), Order::Same | Order::Newer));
            if holds {
                // Named by when Syncthing kept it (no clock is read here).
                let when = sync::kept_at(&path, self.extension())
                    .unwrap_or_else(|| "00000000-000000".to_string());
                let name = sync::conflict_name_at(id, self.extension(), &self.device, &when);
                return fsutil::write_atomic_new(&self.kind_dir(kind), &name, &bytes).is_ok();
            }
        }
        false
    }

    /// Every conflict copy in the vault, each beside its record, both opened.
    pub fn conflicts(&self) -> Result<Vec<Conflict>> {
        let mut found = Vec::new();
        for kind in RecordKind::ALL {
            let dir = self.kind_dir(kind);
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            let mut names: Vec<(Uuid, String)> = entries
                .flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    sync::conflict_of(&name, self.extension()).map(|id| (id, name))
                })
                .collect();
            names.sort_by(|a, b| a.1.cmp(&b.1));
            for (id, copy) in names {
                let current = match self.read_one(kind, id, &format!("{id}{}", self.extension())) {
                    ReadOutcome::Ok(envelope, _) => Some(Side::of(*envelope)),
                    _ => None,
                };
                let other = self.open_file(kind, id, &copy).map(Side::of);
                found.push(Conflict {
                    kind,
                    id,
                    copy,
                    current,
                    other,
                });
            }
        }
        Ok(found)
    }

    /// Settle a conflict: write the version kept (following both), and move the copy to
    /// `resolved/`; the record's file as it was is kept there too when another version
    /// replaces it. The caller audits it first (the practice layer does).
    pub fn resolve_conflict(
        &self,
        conflict: &Conflict,
        resolution: &Resolution,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.check_writable()?;
        let (kind, id) = (conflict.kind, conflict.id);
        if sync::conflict_of(&conflict.copy, self.extension()) != Some(id) {
            return Err(VaultError::Invalid(format!(
                "{} is not a conflict copy of this record",
                conflict.copy
            )));
        }
        let main_name = format!("{id}{}", self.extension());
        let main_path = self.kind_dir(kind).join(&main_name);
        // Read again now: what is on disk is what the new version must follow.
        let current = self.open_file(kind, id, &main_name);
        let other = self.open_file(kind, id, &conflict.copy);
        let body = match resolution {
            Resolution::KeepCurrent => current.as_ref().map(|e| e.body.clone()),
            Resolution::KeepOther => other.as_ref().map(|e| e.body.clone()),
            Resolution::Merged(body) => Some((**body).clone()),
        }
        .ok_or_else(|| {
            VaultError::Invalid("the version to keep does not open; nothing was changed".into())
        })?;
        if body.kind() != kind || body.id() != id {
            return Err(VaultError::Invalid(
                "the merged record is not this record; nothing was changed".into(),
            ));
        }
        let joined = match (&current, &other) {
            (Some(c), Some(o)) => c.version.joined(&o.version),
            (Some(c), None) => c.version.clone(),
            (None, Some(o)) => o.version.clone(),
            (None, None) => Version::default(),
        };
        let stamp = fs::symlink_metadata(&main_path)
            .ok()
            .filter(fs::Metadata::is_file)
            .map(|m| super::Stamp::of(&m));
        // The new version follows both, written over the file as it is now.
        sync::remember(
            &self.known,
            id,
            sync::Seen {
                version: joined,
                stamp,
            },
        );
        let resolved: PathBuf = self.root.join(RESOLVED_DIR).join(kind.folder());
        fsutil::create_private_dir(&resolved)
            .map_err(|e| VaultError::io(format!("cannot create {}", resolved.display()), e))?;
        // The current version is written over unless it is the one kept: its file is kept
        // first, beside the copy, so both versions stay whatever was chosen.
        if !matches!(resolution, Resolution::KeepCurrent)
            && let Ok((bytes, _)) = super::read_capped(&main_path)
        {
            let name = conflict
                .copy
                .replacen(".sync-conflict-", ".current-when-settled-", 1);
            fsutil::write_atomic(&resolved, &name, &bytes).map_err(|e| {
                VaultError::io(format!("cannot keep {main_name} in {RESOLVED_DIR}/"), e)
            })?;
        }
        self.save(&body, now)?;
        fs::rename(
            self.kind_dir(kind).join(&conflict.copy),
            resolved.join(&conflict.copy),
        )
        .map_err(|e| {
            VaultError::io(
                format!("cannot move {} to {RESOLVED_DIR}/", conflict.file()),
                e,
            )
        })?;
        let _ = fsutil::sync_dir(&self.kind_dir(kind));
        Ok(())
    }
}

#[cfg(test)]
mod tests;
