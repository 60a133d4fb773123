//! A second clinician with their own passphrase, and access removed by a new key.

use super::*;
use crate::vault::{Access, Protection, RecordBody, RecordKind};
use chrono::{TimeZone, Utc};

fn pass(text: &str) -> SecretString {
    SecretString::from(text.to_string())
}

const FIRST: &str = "correct horse battery";
const SECOND: &str = "second clinician passphrase";
const THIRD: &str = "third clinician passphrase";

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0)
        .single()
        .expect("time")
}

/// A vault with the demo's records, logged as a practice would.
fn vault(dir: &Path) -> (std::path::PathBuf, Vec<RecordBody>) {
    let root = dir.join("vault");
    let v = Vault::init(
        &root,
        Protection::Passphrase {
            passphrase: pass(FIRST),
            log_n: 10,
        },
        now(),
    )
    .expect("init");
    let records = crate::demo::practice(&crate::template::Library::builtin(), now());
    v.audit(
        crate::vault::audit::AuditAction::Unlock,
        None,
        "created",
        now(),
    )
    .expect("logged");
    for r in &records {
        v.save(r, now()).expect("saved");
    }
    (root, records)
}

fn open(root: &Path, passphrase: &str) -> Result<Vault> {
    Vault::open(root, Some(&pass(passphrase)), Access::ReadWrite)
}

fn every_record_opens(v: &Vault, records: &[RecordBody]) {
    for r in records {
        assert_eq!(&v.load(r.kind(), r.id()).expect("opens"), r);
    }
}

#[test]
fn a_second_clinician_opens_the_vault_with_their_own_passphrase() {
    let dir = tempfile::tempdir().expect("temp");
    let (root, records) = vault(dir.path());
    let id = {
        let v = open(&root, FIRST).expect("first");
        assert_eq!(
            v.add_clinician(&pass(FIRST), 10)
                .err()
                .map(|e| e.to_string()),
            Some(
                "that passphrase is already a clinician's; each clinician needs their own"
                    .to_string()
            )
        );
        v.add_clinician(&pass(SECOND), 10).expect("added")
    };
    let v = open(&root, SECOND).expect("the second clinician unlocks");
    assert_eq!(v.unlocked_by(), Some(id.as_str()));
    assert_eq!(v.clinicians(), std::slice::from_ref(&id));
    every_record_opens(&v, &records);
    // Hand-over gives the screen back to whoever unlocked: their passphrase, not another's.
    let check = v.passphrase_check().expect("check");
    assert!(check.check(&pass(SECOND)).expect("checked"));
    assert!(!check.check(&pass(FIRST)).expect("checked"));
    // Each changes their own passphrase.
    v.change_passphrase(&pass(SECOND), &pass("second, changed"), 10)
        .expect("changed");
    drop(v);
    assert!(matches!(
        open(&root, SECOND),
        Err(VaultError::WrongPassphrase)
    ));
    open(&root, "second, changed").expect("the new one");
    open(&root, FIRST).expect("the first's is unchanged");
    assert!(matches!(
        open(&root, "nobody's"),
        Err(VaultError::WrongPassphrase)
    ));
}

#[test]
fn removing_a_clinician_seals_everything_to_a_new_key_they_do_not_have() {
    let dir = tempfile::tempdir().expect("temp");
    let (root, records) = vault(dir.path());
    let (second, third) = {
        let v = open(&root, FIRST).expect("first");
        let second = v.add_clinician(&pass(SECOND), 10).expect("added");
        // An added clinician's passphrase is theirs alone too.
        assert!(matches!(
            v.add_clinician(&pass(SECOND), 10),
            Err(VaultError::Keys(_))
        ));
        (second, v.add_clinician(&pass(THIRD), 10).expect("added"))
    };
    // What the second clinician could take with them: the practice's key as it is now.
    let kept = {
        let v = open(&root, SECOND).expect("second");
        match v.cipher.as_ref() {
            Cipher::Age(keys) => keys.current.clone(),
            Cipher::Plain => unreachable!(),
        }
    };
    let session = records
        .iter()
        .find(|r| r.kind() == RecordKind::Session)
        .expect("a session");
    let file = root
        .join("records/sessions")
        .join(format!("{}.age", session.id()));
    assert!(age::decrypt(&kept, &std::fs::read(&file).expect("read")).is_ok());

    {
        // Only the first clinician removes access, with their passphrase.
        let mut v = open(&root, THIRD).expect("third");
        assert!(v.remove_clinician(&second, &pass(FIRST), 10).is_err());
        drop(v);
        let mut v = open(&root, FIRST).expect("first");
        assert!(matches!(
            v.remove_clinician(&second, &pass("not it"), 10),
            Err(VaultError::WrongPassphrase)
        ));
        let done = v
            .remove_clinician(&second, &pass(FIRST), 10)
            .expect("removed");
        assert_eq!(done.files, records.len());
        assert_eq!(done.staying, 2);
        // This process seals to the new key from now on.
        v.save(session, now()).expect("saved after");
    }
    assert!(matches!(
        open(&root, SECOND),
        Err(VaultError::WrongPassphrase)
    ));
    assert!(!root.join(KEYS_DIR).join(format!("{second}.age")).exists());
    // Nothing in the records opens with what the removed clinician kept.
    for kind in crate::vault::RecordKind::ALL {
        for entry in std::fs::read_dir(root.join(RECORDS_DIR).join(kind.folder()))
            .into_iter()
            .flatten()
            .flatten()
        {
            let bytes = std::fs::read(entry.path()).expect("read");
            assert!(
                age::decrypt(&kept, &bytes).is_err(),
                "{} still opens with the old key",
                entry.path().display()
            );
        }
    }
    // The first and third clinicians read everything, the audit trail written before
    // included (its entries were sealed with the old key).
    for who in [FIRST, THIRD] {
        let v = open(&root, who).expect("stays");
        every_record_opens(&v, &records);
        let check = v.verify_audit().expect("verified");
        assert!(check.problems.is_empty(), "{:?}", check.problems);
        // The entry written under the old key still opens.
        assert!(
            v.audit_entries()
                .expect("entries")
                .iter()
                .any(|e| e.detail == "created")
        );
        assert!(v.verify().expect("verify").problems.is_empty());
    }
    assert_eq!(
        open(&root, THIRD).expect("third").unlocked_by(),
        Some(third.as_str())
    );
}
