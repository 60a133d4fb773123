//! Several clinicians on one vault, each with their own passphrase, and access removed by
//! changing the practice's key.
//!
//! The practice's key (the X25519 identity every record is sealed to) is wrapped with the
//! first clinician's passphrase in `identity.age`, as in a vault with one clinician. Each
//! clinician added later has a key of their own: `keys/<id>.age` (their identity, wrapped
//! with their passphrase), `keys/<id>.pub` (its public half) and `keys/<id>.vault` (the
//! practice's key, sealed to their key with age). Unlocking tries `identity.age`, then each
//! clinician's key. Ids are random: no name is in a file name.
//!
//! Removing a clinician replaces the practice's key: a new key is made and sealed to the
//! old one (`keys/next.age`, so that whatever happens next, every file opens), every
//! record and conflict copy and the settings are sealed again to the new key, the
//! clinicians who stay get the new key sealed to their own, `keys/retired.age` keeps the
//! old keys sealed to the new one (entries of the audit trail and copies set aside were
//! sealed with them), and last `identity.age` is wrapped anew, with the first clinician's
//! passphrase: only they remove access. Then the removed clinician's files go. What they
//! could read before they may have kept; nothing written since opens with what they had.

use super::crypto::{self, AgeKeys, Cipher};
use super::error::{Result, VaultError};
use super::{IDENTITY_FILE, RECORDS_DIR, SETTINGS_AGE, Vault, fsutil, input};
use age::x25519;
use secrecy::{ExposeSecret, SecretString};
use std::path::Path;
use std::str::FromStr;

pub const KEYS_DIR: &str = "keys";
const RETIRED_FILE: &str = "retired.age";
const NEXT_FILE: &str = "next.age";
/// A key file holds one identity or a few lines of them.
const MAX_KEY_BYTES: u64 = 64 * 1024;

fn read_small(path: &Path) -> Result<Vec<u8>> {
    Ok(input::read_regular(path, "key file", MAX_KEY_BYTES)?.0)
}

fn identities_in(plain: &[u8]) -> Vec<x25519::Identity> {
    String::from_utf8_lossy(plain)
        .lines()
        .filter_map(|l| x25519::Identity::from_str(l.trim()).ok())
        .collect()
}

fn identities_text(ids: &[&x25519::Identity]) -> secrecy::SecretString {
    let mut text = String::new();
    for id in ids {
        text.push_str(id.to_string().expose_secret());
        text.push('\n');
    }
    SecretString::from(text)
}

/// The ids of the clinicians added to this vault (each with all three of their files).
pub fn clinician_ids(root: &Path) -> Vec<String> {
    let dir = root.join(KEYS_DIR);
    let mut ids: Vec<String> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".age").map(str::to_string)
        })
        .filter(|id| super::sync::is_device_id(id))
        .filter(|id| {
            dir.join(format!("{id}.pub")).is_file() && dir.join(format!("{id}.vault")).is_file()
        })
        .collect();
    ids.sort();
    ids
}

/// Unwrap the practice's key with a passphrase: the first clinician's (`identity.age`),
/// else each added clinician's. With the practice's earlier keys, and which clinician's
/// key it was (`None`: the first clinician's).
pub fn unlock(root: &Path, passphrase: &SecretString) -> Result<(Cipher, Option<String>)> {
    let first = read_small(&root.join(IDENTITY_FILE))?;
    let (current, by) = match crypto::unwrap_identity(&first, passphrase) {
        Ok(identity) => (identity, None),
        Err(VaultError::WrongPassphrase) => {
            let mut found = None;
            for id in clinician_ids(root) {
                let dir = root.join(KEYS_DIR);
                let Ok(own) = read_small(&dir.join(format!("{id}.age")))
                    .and_then(|w| crypto::unwrap_identity(&w, passphrase))
                else {
                    continue;
                };
                let sealed = read_small(&dir.join(format!("{id}.vault")))?;
                let plain = age::decrypt(&own, &sealed).map_err(|_| {
                    VaultError::Crypto(format!(
                        "{KEYS_DIR}/{id}.vault does not open with this clinician's key"
                    ))
                })?;
                let practice = identities_in(&plain).into_iter().next().ok_or_else(|| {
                    VaultError::Crypto(format!("{KEYS_DIR}/{id}.vault holds no key"))
                })?;
                found = Some((practice, Some(id)));
                break;
            }
            found.ok_or(VaultError::WrongPassphrase)?
        }
        Err(e) => return Err(e),
    };
    // A change of key under way (`next.age`, sealed to the key being replaced), and the
    // keys before (`retired.age`, sealed to the newest key).
    let dir = root.join(KEYS_DIR);
    let mut others = Vec::new();
    if let Ok(sealed) = read_small(&dir.join(NEXT_FILE))
        && let Ok(plain) = age::decrypt(&current, &sealed)
    {
        others.extend(identities_in(&plain));
    }
    if let Ok(sealed) = read_small(&dir.join(RETIRED_FILE)) {
        let opened = std::iter::once(&current)
            .chain(others.iter())
            .find_map(|key| age::decrypt(key, &sealed).ok());
        if let Some(plain) = opened {
            others.extend(
                identities_in(&plain)
                    .into_iter()
                    .filter(|k| k.to_public().to_string() != current.to_public().to_string()),
            );
        }
    }
    Ok((Cipher::Age(Box::new(AgeKeys { current, others })), by))
}

/// What removing a clinician did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rekeyed {
    /// Record files (and conflict copies) sealed again to the new key.
    pub files: usize,
    /// Clinicians who keep access.
    pub staying: usize,
}

impl Vault {
    /// The clinicians added to this vault (the first clinician's key is `identity.age`).
    pub fn clinicians(&self) -> Vec<String> {
        clinician_ids(&self.root)
    }

    /// Which clinician's key unlocked this vault (`None`: the first clinician's).
    pub fn unlocked_by(&self) -> Option<&str> {
        self.unlocked_by.as_deref()
    }

    fn practice_keys(&self) -> Result<&AgeKeys> {
        match self.cipher.as_ref() {
            Cipher::Age(keys) => Ok(keys),
            Cipher::Plain => Err(VaultError::Crypto("this vault is not encrypted".into())),
        }
    }

    /// Give another clinician their own passphrase to this vault; returns their key's
    /// id. Costs one key derivation.
    pub fn add_clinician(&self, passphrase: &SecretString, log_n: u8) -> Result<String> {
        self.check_writable()?;
        let keys = self.practice_keys()?;
        crypto::check_strength(passphrase)?;
        // The same passphrase as another clinician's would unlock as them: whichever
        // clinician's it is, the unlock itself says so.
        if unlock(&self.root, passphrase).is_ok() {
            return Err(VaultError::Keys(
                "that passphrase is already a clinician's; each clinician needs their own".into(),
            ));
        }
        let own = crypto::generate_identity();
        let id = uuid::Uuid::new_v4().simple().to_string()[..16].to_string();
        let dir = self.root.join(KEYS_DIR);
        fsutil::create_private_dir(&dir)
            .map_err(|e| VaultError::io(format!("cannot create {}", dir.display()), e))?;
        let practice = identities_text(&[&keys.current]);
        let sealed = age::encrypt(&own.to_public(), practice.expose_secret().as_bytes())
            .map_err(|e| VaultError::Crypto(e.to_string()))?;
        let wrapped = crypto::wrap_identity(&own, passphrase, log_n)?;
        let write = |name: String, bytes: &[u8]| {
            fsutil::write_atomic_new(&dir, &name, bytes)
                .map_err(|e| VaultError::io(format!("cannot write {KEYS_DIR}/{name}"), e))
        };
        // The key that unlocks comes last: a clinician half added never unlocks.
        write(format!("{id}.pub"), own.to_public().to_string().as_bytes())?;
        write(format!("{id}.vault"), &sealed)?;
        write(format!("{id}.age"), &wrapped)?;
        Ok(id)
    }

    /// Remove a clinician's access: the practice's key is replaced and everything sealed
    /// again (see the module). Only the first clinician, whose passphrase `owner` must
    /// be, removes access; the vault must be unlocked with their key. After this the
    /// vault seals to the new key and its readers made before stop; a save thread
    /// started before would still seal to the old key, so the practice starts its own
    /// again.
    pub fn remove_clinician(
        &mut self,
        id: &str,
        owner: &SecretString,
        log_n: u8,
    ) -> Result<Rekeyed> {
        self.check_writable()?;
        let keys = self.practice_keys()?;
        if self.unlocked_by.is_some() {
            return Err(VaultError::Keys(
                "only the clinician whose passphrase made the vault removes access".into(),
            ));
        }
        let first = crypto::unwrap_identity(&read_small(&self.root.join(IDENTITY_FILE))?, owner)?;
        if first.to_public().to_string() != keys.current.to_public().to_string() {
            return Err(VaultError::WrongPassphrase);
        }
        let ids = clinician_ids(&self.root);
        if !ids.iter().any(|i| i == id) {
            return Err(VaultError::Keys(format!(
                "no clinician key {id} in this vault (tandem clinicians list)"
            )));
        }
        let dir = self.root.join(KEYS_DIR);
        let io = |what: String| move |e| VaultError::io(what, e);
        let new = crypto::generate_identity();
        let to_new = new.to_public();
        let seal_to = |recipient: &x25519::Recipient, ids: &[&x25519::Identity]| {
            age::encrypt(recipient, identities_text(ids).expose_secret().as_bytes())
                .map_err(|e| VaultError::Crypto(e.to_string()))
        };
        // 1. The new key, sealed to the old: from here on, whichever key a clinician's
        //    passphrase gives opens everything, wherever this stops.
        fsutil::write_atomic(
            &dir,
            NEXT_FILE,
            &seal_to(&keys.current.to_public(), &[&new])?,
        )
        .map_err(io(format!("cannot write {KEYS_DIR}/{NEXT_FILE}")))?;
        let both = Cipher::Age(Box::new(AgeKeys {
            current: new.clone(),
            others: std::iter::once(keys.current.clone())
                .chain(keys.others.iter().cloned())
                .collect(),
        }));
        // 2. Every record file and conflict copy, and the settings, sealed to the new key.
        let mut rekeyed = Rekeyed::default();
        let sealer = both.sealer();
        let reseal = |path: &Path| -> Result<bool> {
            let Ok((bytes, _)) = input::read_regular(path, "record file", super::MAX_RECORD_BYTES)
            else {
                return Ok(false);
            };
            let Ok(plain) = both.open(&bytes) else {
                // A damaged file is left as it is (verify reports it).
                return Ok(false);
            };
            let sealed = sealer.seal(&plain)?;
            let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
                return Ok(false);
            };
            fsutil::write_atomic(parent, &name.to_string_lossy(), &sealed)
                .map_err(io(format!("cannot seal {} again", path.display())))?;
            Ok(true)
        };
        for kind in super::RecordKind::ALL {
            let folder = self.root.join(RECORDS_DIR).join(kind.folder());
            for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.ends_with(".age") && !fsutil::is_temp(&name) && reseal(&entry.path())? {
                    rekeyed.files += 1;
                }
            }
        }
        reseal(&self.root.join(SETTINGS_AGE))?;
        // The derived caches are made again, sealed to the new key.
        for cache in ["index.age", "search.age"] {
            let _ = std::fs::remove_file(self.root.join(RECORDS_DIR).join(cache));
        }
        // 3. The clinicians who stay get the new key; the old keys are kept, sealed to the
        //    new one.
        for other in ids.iter().filter(|i| *i != id) {
            let public = String::from_utf8_lossy(&read_small(&dir.join(format!("{other}.pub")))?)
                .trim()
                .to_string();
            let recipient = x25519::Recipient::from_str(&public).map_err(|_| {
                VaultError::Crypto(format!("{KEYS_DIR}/{other}.pub is not a public key"))
            })?;
            fsutil::write_atomic(
                &dir,
                &format!("{other}.vault"),
                &seal_to(&recipient, &[&new])?,
            )
            .map_err(io(format!("cannot write {KEYS_DIR}/{other}.vault")))?;
            rekeyed.staying += 1;
        }
        let retired: Vec<&x25519::Identity> = std::iter::once(&keys.current)
            .chain(keys.others.iter())
            .collect();
        fsutil::write_atomic(&dir, RETIRED_FILE, &seal_to(&to_new, &retired)?)
            .map_err(io(format!("cannot write {KEYS_DIR}/{RETIRED_FILE}")))?;
        // 4. The switch: the first clinician's passphrase now gives the new key.
        let wrapped = crypto::wrap_identity(&new, owner, log_n)?;
        fsutil::write_atomic(&self.root, IDENTITY_FILE, &wrapped)
            .map_err(io(format!("cannot write {IDENTITY_FILE}")))?;
        // 5. The removed clinician's files, and the step that is done.
        for name in [
            format!("{id}.age"),
            format!("{id}.vault"),
            format!("{id}.pub"),
            NEXT_FILE.to_string(),
        ] {
            match std::fs::remove_file(dir.join(&name)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(format!("cannot remove {KEYS_DIR}/{name}"))(e)),
            }
        }
        let _ = fsutil::sync_dir(&dir);
        rekeyed.staying += 1;
        // From now on this vault seals to the new key (readers of the old one stop).
        self.cipher = std::sync::Arc::new(both);
        Ok(rekeyed)
    }
}

#[cfg(test)]
mod tests;
