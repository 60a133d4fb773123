//! Vault behaviour: round trips, privacy on disk, damage, conflicts, locking, passphrase
//! changes, the save thread, and backup/restore including hostile archives.

use super::*;
use crate::model::*;
use crate::template::Library;
use chrono::TimeZone;
use std::collections::BTreeMap;

const LOG_N: u8 = 10;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0)
        .single()
        .expect("time")
}

fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_string())
}

fn pass() -> SecretString {
    secret("correct horse battery")
}

fn new_vault(dir: &Path) -> Vault {
    Vault::init(
        dir,
        Protection::Passphrase {
            passphrase: pass(),
            log_n: LOG_N,
        },
        now(),
    )
    .expect("init")
}

fn demo_records() -> Vec<RecordBody> {
    crate::demo::practice(&Library::builtin(), now())
}

fn filled(dir: &Path) -> (Vault, Vec<RecordBody>) {
    let vault = new_vault(dir);
    let records = demo_records();
    for r in &records {
        vault.save(r, now()).expect("save");
    }
    (vault, records)
}

/// How many of `records` are sessions (the demo also holds couples and an issued
/// worksheet).
fn session_count(records: &[RecordBody]) -> usize {
    records
        .iter()
        .filter(|r| r.kind() == RecordKind::Session)
        .count()
}

fn by_id(records: &[RecordBody]) -> BTreeMap<Uuid, RecordBody> {
    records.iter().map(|r| (r.id(), r.clone())).collect()
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

fn session_files(vault: &Vault) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(vault.kind_dir(RecordKind::Session))
        .expect("list")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    files
}

#[test]
fn every_record_kind_round_trips() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let (vault, records) = filled(&root);
    assert!(records.iter().any(|r| r.kind() == RecordKind::Couple));
    assert!(records.iter().any(|r| r.kind() == RecordKind::Session));
    assert!(records.iter().any(|r| r.kind() == RecordKind::Worksheet));
    for record in &records {
        assert_eq!(
            &vault.load(record.kind(), record.id()).expect("load"),
            record
        );
    }
    drop(vault);
    let vault = Vault::open(&root, Some(&pass()), Access::ReadWrite).expect("open");
    let verified = vault.verify().expect("verify");
    assert!(verified.problems.is_empty(), "{:?}", verified.problems);
    assert_eq!(by_id(&verified.records), by_id(&records));
    let scan = vault.scan().expect("scan");
    assert_eq!(scan.couples.len(), 4);
    assert_eq!(scan.sessions.len(), session_count(&records));
}

#[cfg(unix)]
#[test]
fn folders_are_0700_and_files_0600() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let (vault, _) = filled(&root);
    vault.scan().expect("scan writes the index");
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        assert_eq!(
            fs::metadata(&d).expect("meta").permissions().mode() & 0o777,
            0o700,
            "{}",
            d.display()
        );
        for entry in fs::read_dir(&d).expect("list").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "{}", path.display());
            }
        }
    }
}

#[test]
fn no_file_under_the_vault_holds_session_text_or_names_in_plaintext() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let vault = new_vault(&root);
    let library = Library::builtin();
    let template = library.get("intentional-dialogue").expect("template");
    let mut couple = match &demo_records()[0] {
        RecordBody::Couple(c) => c.clone(),
        _ => panic!("couple first"),
    };
    couple.partner_a.name = "Canaryname Zqx".into();
    let facts = CoupleFacts {
        screened: Partner::BOTH.into_iter().collect(),
        safety_decision: Some(SafetyDecision::JointWork),
    };
    let mut runner = crate::runner::Runner::start(
        template,
        crate::runner::Start {
            session: SessionId(Uuid::now_v7()),
            couple: couple.id,
            bindings: Bindings {
                speaker: Some(Partner::A),
                hurt_partner: None,
            },
            facts,
            questions: None,
        },
        now(),
    )
    .expect("start");
    use crate::runner::Action;
    runner
        .apply(
            Action::WriteText {
                respondent: Respondent::Partner(Partner::A),
                text: "CANARY-topic-7731".into(),
            },
            now(),
        )
        .expect("topic");
    runner
        .apply(Action::Note("CANARY-note-7732".into()), now())
        .expect("note");
    runner.apply(Action::Next, now()).expect("next");
    runner
        .apply(Action::SpeakerSays("CANARY-message-7733".into()), now())
        .expect("say");
    runner
        .apply(Action::Mirror("CANARY-mirror-7734".into()), now())
        .expect("mirror");
    vault
        .save(&RecordBody::Couple(couple), now())
        .expect("save couple");
    vault
        .save(&RecordBody::Session(runner.session().clone()), now())
        .expect("save session");
    vault.scan().expect("scan writes the index");
    vault
        .reader()
        .write_search_cache(b"CANARY-search-cache Canaryname")
        .expect("the search cache is sealed too");
    let backup_file = dir.path().join("backup.age");
    backup::backup(&vault, &backup_file, &pass(), LOG_N).expect("backup");

    let mut files = snapshot(&root);
    files.insert(backup_file.clone(), fs::read(&backup_file).expect("read"));
    assert!(files.len() >= 5);
    for (path, bytes) in files {
        let text = String::from_utf8_lossy(&bytes);
        for canary in ["CANARY", "Canaryname", "correct horse"] {
            assert!(
                !text.contains(canary),
                "{} holds {canary} in plaintext",
                path.display()
            );
        }
    }
}

#[test]
fn a_wrong_passphrase_is_refused_clearly_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let (vault, _) = filled(&root);
    drop(vault);
    let before = snapshot(&root);
    for access in [Access::ReadWrite, Access::ReadOnly] {
        let error = Vault::open(&root, Some(&secret("wrong one")), access)
            .err()
            .expect("refused");
        assert!(matches!(error, VaultError::WrongPassphrase));
        assert_eq!(error.to_string(), "wrong passphrase");
    }
    assert_eq!(snapshot(&root), before);
}

#[test]
fn swapped_files_are_set_aside_and_the_rest_loads() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let (vault, records) = filled(&root);
    let files = session_files(&vault);
    let (a, b) = (&files[0], &files[1]);
    let temp = root.join("swap");
    fs::rename(a, &temp).expect("swap");
    fs::rename(b, a).expect("swap");
    fs::rename(&temp, b).expect("swap");

    let scan = vault.scan().expect("scan");
    let quarantined: Vec<&FileProblem> = scan
        .problems
        .iter()
        .filter(|p| matches!(p, FileProblem::Quarantined { reason, .. } if reason.contains("does not match the file name")))
        .collect();
    assert_eq!(quarantined.len(), 2, "{:?}", scan.problems);
    assert_eq!(scan.sessions.len(), session_count(&records) - 2);
    assert!(!a.exists() && !b.exists());
    let kept = fs::read_dir(root.join(QUARANTINE_DIR))
        .expect("quarantine")
        .count();
    assert_eq!(kept, 4, "two files and two reasons");
}

#[test]
fn a_damaged_file_is_quarantined_with_its_reason_and_everything_else_loads() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let (vault, records) = filled(&root);
    let victim = session_files(&vault)[3].clone();
    let mut bytes = fs::read(&victim).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    fs::write(&victim, &bytes).expect("damage");
    let name = victim
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();

    let scan = vault.scan().expect("scan");
    assert_eq!(scan.sessions.len(), session_count(&records) - 1);
    assert_eq!(scan.couples.len(), 4);
    assert_eq!(
        scan.problems,
        vec![FileProblem::Quarantined {
            file: format!("sessions/{name}"),
            reason: "it does not decrypt (truncated or altered)".into()
        }]
    );
    let quarantined = root.join(QUARANTINE_DIR).join(format!("session-{name}"));
    assert_eq!(fs::read(&quarantined).expect("kept, not deleted"), bytes);
    let reason = fs::read_to_string(
        root.join(QUARANTINE_DIR)
            .join(format!("session-{name}.reason.txt")),
    )
    .expect("reason");
    assert!(reason.contains("does not decrypt"));
    // The problem is reported once; the next scan is clean.
    assert!(vault.scan().expect("scan").problems.is_empty());
}

#[test]
fn read_only_access_reports_damage_without_moving_anything() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let (vault, _) = filled(&root);
    let victim = session_files(&vault)[0].clone();
    fs::write(&victim, b"not an age file").expect("damage");
    drop(vault);
    let vault = Vault::open(&root, Some(&pass()), Access::ReadOnly).expect("open");
    let scan = vault.scan().expect("scan");
    assert!(
        matches!(&scan.problems[..], [FileProblem::Damaged { reason, .. }] if reason == "it is not an age file")
    );
    assert!(victim.exists());
    assert!(!root.join(QUARANTINE_DIR).exists());
    assert!(matches!(
        vault.save(&demo_records()[0], now()),
        Err(VaultError::ReadOnly)
    ));
}

#[test]
fn sync_tool_files_are_never_parsed_and_conflict_copies_are_reported() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let (vault, records) = filled(&root);
    let sessions = vault.kind_dir(RecordKind::Session);
    let first = session_files(&vault)[0].clone();
    let stem = first
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    let conflict = format!("{stem}.sync-conflict-20261122-101010-ABCDEFG.age");
    fs::copy(&first, sessions.join(&conflict)).expect("conflict copy");
    fs::write(sessions.join(".syncthing.x.age.tmp"), b"partial").expect("sync temp");
    fs::write(
        sessions.join(format!("{}partial.tmp", fsutil::TEMP_PREFIX)),
        b"partial",
    )
    .expect("our temp");
    fs::write(sessions.join("notes.txt"), b"hello").expect("foreign");
    drop(vault);

    let vault = Vault::open(&root, Some(&pass()), Access::ReadWrite).expect("open");
    assert!(
        !sessions
            .join(format!("{}partial.tmp", fsutil::TEMP_PREFIX))
            .exists(),
        "our leftover temp file is removed"
    );
    let scan = vault.scan().expect("scan");
    assert_eq!(scan.sessions.len(), session_count(&records));
    assert!(scan.problems.contains(&FileProblem::Conflict {
        file: format!("sessions/{conflict}")
    }));
    assert!(scan.problems.contains(&FileProblem::Unexpected {
        file: "sessions/notes.txt".into()
    }));
    assert_eq!(scan.problems.len(), 2, "{:?}", scan.problems);
    assert!(
        sessions.join(&conflict).exists(),
        "conflict copies are left for the user"
    );
}

#[test]
fn a_second_writer_is_refused_and_read_only_still_opens() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let first = new_vault(&root);
    assert!(matches!(
        Vault::open(&root, Some(&pass()), Access::ReadWrite),
        Err(VaultError::InUse)
    ));
    let reader = Vault::open(&root, Some(&pass()), Access::ReadOnly).expect("read-only");
    assert_eq!(reader.access(), Access::ReadOnly);
    drop(first);
    Vault::open(&root, Some(&pass()), Access::ReadWrite).expect("free again");
}

#[test]
fn the_passphrase_changes_and_a_wrong_old_one_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let (vault, records) = filled(&root);
    let new = secret("a much better passphrase");
    let before = fs::read(root.join(IDENTITY_FILE)).expect("read");
    assert!(matches!(
        vault.change_passphrase(&secret("nope nope"), &new, LOG_N),
        Err(VaultError::WrongPassphrase)
    ));
    assert!(matches!(
        vault.change_passphrase(&pass(), &secret("short"), LOG_N),
        Err(VaultError::WeakPassphrase(8))
    ));
    assert_eq!(fs::read(root.join(IDENTITY_FILE)).expect("read"), before);

    vault
        .change_passphrase(&pass(), &new, LOG_N)
        .expect("change");
    drop(vault);
    assert!(matches!(
        Vault::open(&root, Some(&pass()), Access::ReadOnly),
        Err(VaultError::WrongPassphrase)
    ));
    let vault = Vault::open(&root, Some(&new), Access::ReadOnly).expect("new passphrase");
    assert_eq!(
        by_id(&vault.verify().expect("verify").records),
        by_id(&records)
    );
}

#[test]
fn locking_forgets_the_key_and_only_the_right_passphrase_unlocks() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let (vault, records) = filled(&root);
    let locked = vault.lock();
    let locked = match locked.unlock(&secret("wrong passphrase")) {
        Err((locked, VaultError::WrongPassphrase)) => locked,
        _ => panic!("a wrong passphrase must leave it locked"),
    };
    let vault = locked.unlock(&pass()).map_err(|(_, e)| e).expect("unlock");
    assert_eq!(
        vault
            .load(records[0].kind(), records[0].id())
            .expect("load"),
        records[0]
    );
}

#[test]
fn the_index_follows_changes_and_is_rebuilt_when_damaged() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let (vault, records) = filled(&root);
    vault.scan().expect("first scan builds the index");
    let index_file = root.join(RECORDS_DIR).join("index.age");
    assert!(index_file.exists());

    let RecordBody::Couple(mut couple) = records[0].clone() else {
        panic!("couple first")
    };
    couple.code = "C-9999".into();
    vault
        .save(&RecordBody::Couple(couple.clone()), now())
        .expect("save");
    let scan = vault.scan().expect("scan");
    assert!(
        scan.couples
            .iter()
            .any(|c| c.code == "C-9999" && c.id == couple.id)
    );

    fs::write(&index_file, b"garbage").expect("damage the index");
    let scan = vault.scan().expect("scan");
    assert_eq!(scan.couples.len(), 4);
    assert!(
        scan.problems.is_empty(),
        "a damaged index is rebuilt, not reported"
    );

    // Removing a record removes it from the lists.
    fs::remove_file(session_files(&vault)[0].clone()).expect("remove");
    assert_eq!(
        vault.scan().expect("scan").sessions.len(),
        session_count(&records) - 1
    );
}

#[test]
fn the_save_thread_acknowledges_only_what_is_on_disk() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let vault = new_vault(&root);
    let records = demo_records();
    let mut queue = saver::SaveQueue::start(&vault).expect("start");
    let tickets: Vec<_> = records
        .iter()
        .map(|r| queue.submit(r.clone(), now()))
        .collect();
    let outcomes = queue.flush(std::time::Duration::from_secs(30));
    assert_eq!(outcomes.len(), records.len());
    assert_eq!(queue.pending(), 0);
    for (ticket, record) in tickets.iter().zip(&records) {
        let path = vault
            .kind_dir(record.kind())
            .join(format!("{}.age", record.id()));
        let stamp = Stamp::of(&fs::metadata(&path).expect("on disk"));
        assert!(outcomes.contains(&saver::SaveOutcome::Saved {
            ticket: *ticket,
            kind: record.kind(),
            id: record.id(),
            stamp,
        }));
        assert_eq!(
            &vault.load(record.kind(), record.id()).expect("on disk"),
            record
        );
    }

    // A save that cannot be written comes back as a failure, naming no content. (A
    // missing kind folder is recreated for vaults older than that kind, so put a file
    // where the folder was.)
    let folder = vault.kind_dir(RecordKind::Session);
    fs::remove_dir_all(&folder).expect("break the folder");
    fs::write(&folder, b"not a folder").expect("break the folder");
    let session = records
        .iter()
        .find(|r| r.kind() == RecordKind::Session)
        .expect("session")
        .clone();
    let ticket = queue.submit(session.clone(), now());
    let outcomes = queue.flush(std::time::Duration::from_secs(30));
    match &outcomes[..] {
        [
            saver::SaveOutcome::Failed {
                ticket: t,
                id,
                error,
                ..
            },
        ] => {
            assert_eq!((*t, *id), (ticket, session.id()));
            assert!(error.starts_with("cannot save sessions/"), "{error}");
        }
        other => panic!("expected one failure, got {other:?}"),
    }
}

#[test]
fn a_reader_reads_records_with_the_stamps_saves_return_until_the_vault_is_dropped() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let vault = new_vault(&root);
    let records = demo_records();
    let stamps: BTreeMap<Uuid, Stamp> = records
        .iter()
        .map(|r| (r.id(), vault.save(r, now()).expect("save")))
        .collect();
    let reader = vault.reader();
    let listing = reader.list().expect("list");
    assert_eq!(listing.files.len(), records.len());
    for file in &listing.files {
        assert_eq!(file.stamp, stamps[&file.id], "listed as saved");
        match reader.read(file.kind, file.id).expect("read") {
            RecordRead::Record { body, stamp } => {
                assert_eq!(stamp, file.stamp);
                assert_eq!(&*body, &by_id(&records)[&file.id]);
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(matches!(
        reader.read(RecordKind::Couple, Uuid::now_v7()),
        Ok(RecordRead::Missing)
    ));
    let victim = listing.files[0];
    let path = vault
        .kind_dir(victim.kind)
        .join(format!("{}.age", victim.id));
    fs::write(&path, b"not an age file").expect("damage");
    assert!(matches!(
        reader.read(victim.kind, victim.id),
        Ok(RecordRead::Problem(FileProblem::Quarantined { .. }))
    ));
    assert!(!path.exists(), "set aside as by load");
    assert!(matches!(reader.read_search_cache(), Ok(CacheFile::Missing)));
    reader.write_search_cache(b"derived").expect("write");
    assert!(matches!(reader.read_search_cache(), Ok(CacheFile::Found(b)) if b == b"derived"));

    // A temporary file left in `records/` by a cache write that never finished goes
    // at the next read-write open; a dropped vault's readers stop.
    let leftover = root.join(RECORDS_DIR).join(".tandem-tmp-search.tmp");
    fs::write(&leftover, b"half").expect("write");
    drop(vault);
    assert!(matches!(reader.list(), Err(VaultError::Locked)));
    assert!(matches!(
        reader.read_search_cache(),
        Err(VaultError::Locked)
    ));
    let vault = Vault::open(&root, Some(&pass()), Access::ReadOnly).expect("open");
    assert!(leftover.exists(), "read-only access removes nothing");
    assert!(matches!(
        vault.reader().write_search_cache(b"x"),
        Err(VaultError::ReadOnly)
    ));
    drop(vault);
    drop(Vault::open(&root, Some(&pass()), Access::ReadWrite).expect("open"));
    assert!(!leftover.exists());
}

#[test]
fn the_save_thread_refuses_a_read_only_vault() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    drop(new_vault(&root));
    let vault = Vault::open(&root, Some(&pass()), Access::ReadOnly).expect("open");
    assert!(matches!(
        saver::SaveQueue::start(&vault),
        Err(VaultError::ReadOnly)
    ));
}

#[test]
fn backup_then_wipe_then_restore_gives_identical_records() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let (vault, records) = filled(&root);
    let file = dir.path().join("practice.backup");
    let report = backup::backup(&vault, &file, &pass(), LOG_N).expect("backup");
    // vault.ron, settings.age, identity.age and the records.
    assert_eq!(report.files, records.len() + 3);
    drop(vault);
    fs::remove_dir_all(&root).expect("wipe");

    assert!(matches!(
        backup::restore(&file, &root, &secret("not the one"), now()),
        Err(VaultError::WrongPassphrase)
    ));
    assert!(!root.exists(), "a refused restore leaves nothing behind");
    let restored = backup::restore(&file, &root, &pass(), now()).expect("restore");
    assert!(restored.problems.is_empty());
    assert_eq!(restored.records, records.len());
    let verified = Vault::open(&root, Some(&pass()), Access::ReadOnly)
        .and_then(|v| v.verify())
        .expect("the restored vault opens");
    assert_eq!(by_id(&verified.records), by_id(&records));

    // Restore never overwrites a vault.
    assert!(matches!(
        backup::restore(&file, &root, &pass(), now()),
        Err(VaultError::NotEmpty(_))
    ));
}

/// A backup file holding a crafted archive.
fn hostile(dir: &Path, build: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> PathBuf {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    let content = b"(format: 1)";
    header.set_size(content.len() as u64);
    header.set_mode(0o600);
    header.set_entry_type(tar::EntryType::Regular);
    builder
        .append_data(&mut header, HEADER_FILE, &content[..])
        .expect("append");
    build(&mut builder);
    let archive = builder.into_inner().expect("tar");
    let sealed = crypto::seal_with_passphrase(&archive, &pass(), LOG_N).expect("seal");
    let file = dir.join(format!("hostile-{}.age", Uuid::now_v7()));
    fs::write(&file, sealed).expect("write");
    file
}

/// Write a raw tar header with any path (tar's own API refuses `..`).
fn raw_entry(
    builder: &mut tar::Builder<Vec<u8>>,
    path: &str,
    kind: tar::EntryType,
    size: u64,
    link: Option<&str>,
) {
    let mut header = tar::Header::new_old();
    {
        let bytes = header.as_old_mut();
        bytes.name[..path.len()].copy_from_slice(path.as_bytes());
        if let Some(link) = link {
            bytes.linkname[..link.len()].copy_from_slice(link.as_bytes());
        }
    }
    header.set_size(size);
    header.set_mode(0o600);
    header.set_entry_type(kind);
    header.set_cksum();
    let data = vec![b'x'; size.min(1024) as usize];
    builder.append(&header, &data[..]).expect("append");
}

#[test]
fn hostile_backups_are_refused_whole() {
    let dir = tempfile::tempdir().expect("temp");
    let id = Uuid::now_v7();
    let record = format!("records/sessions/{id}.age");
    let cases: Vec<(&str, PathBuf)> = vec![
        (
            "traversal",
            hostile(dir.path(), |b| {
                raw_entry(b, "../escaped.age", tar::EntryType::Regular, 4, None)
            }),
        ),
        (
            "nested traversal",
            hostile(dir.path(), |b| {
                raw_entry(b, "records/../../escaped", tar::EntryType::Regular, 4, None)
            }),
        ),
        (
            "absolute",
            hostile(dir.path(), |b| {
                raw_entry(b, "/tmp/tandem-escaped", tar::EntryType::Regular, 4, None)
            }),
        ),
        (
            "symlink",
            hostile(dir.path(), |b| {
                raw_entry(b, &record, tar::EntryType::Symlink, 0, Some("/etc/passwd"))
            }),
        ),
        (
            "hard link",
            hostile(dir.path(), |b| {
                raw_entry(b, &record, tar::EntryType::Link, 0, Some("vault.ron"))
            }),
        ),
        (
            "device",
            hostile(dir.path(), |b| {
                raw_entry(b, &record, tar::EntryType::Char, 0, None)
            }),
        ),
        (
            "unknown path",
            hostile(dir.path(), |b| {
                raw_entry(
                    b,
                    "records/sessions/evil.sh",
                    tar::EntryType::Regular,
                    4,
                    None,
                )
            }),
        ),
        (
            "oversize",
            hostile(dir.path(), |b| {
                let mut header = tar::Header::new_gnu();
                header.set_size(MAX_RECORD_BYTES + 1);
                header.set_path(&record).expect("path");
                header.set_entry_type(tar::EntryType::Regular);
                header.set_cksum();
                let _ = b.append(&header, std::io::repeat(0).take(MAX_RECORD_BYTES + 1));
            }),
        ),
    ];
    use std::io::Read;
    for (name, file) in cases {
        let target = dir
            .path()
            .join(format!("restored-{}", name.replace(' ', "-")));
        let result = backup::restore(&file, &target, &pass(), now());
        assert!(
            matches!(result, Err(VaultError::Backup(_))),
            "{name}: {:?}",
            result.map(|v| v.records)
        );
        assert!(!target.exists(), "{name}: nothing is left behind");
    }
    assert!(!dir.path().join("escaped.age").exists());
    assert!(!Path::new("/tmp/tandem-escaped").exists());
}

/// The entries of a backup file, decrypted (tests only: whole in memory).
fn backup_entries(file: &Path) -> Vec<(String, Vec<u8>)> {
    use std::io::Read;
    let archive =
        crypto::open_with_passphrase(&fs::read(file).expect("read"), &pass()).expect("opens");
    let mut tar = tar::Archive::new(archive.as_slice());
    tar.entries()
        .expect("entries")
        .map(|e| {
            let mut e = e.expect("entry");
            let path = e.path().expect("path").display().to_string();
            let mut bytes = Vec::new();
            e.read_to_end(&mut bytes).expect("bytes");
            (path, bytes)
        })
        .collect()
}

/// A backup file of these entries, sealed like `tandem backup` seals one.
fn backup_of(dir: &Path, name: &str, entries: &[(String, Vec<u8>)]) -> PathBuf {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, bytes) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o600);
        header.set_entry_type(tar::EntryType::Regular);
        builder
            .append_data(&mut header, path, bytes.as_slice())
            .expect("append");
    }
    let archive = builder.into_inner().expect("tar");
    let file = dir.join(name);
    fs::write(
        &file,
        crypto::seal_with_passphrase(&archive, &pass(), LOG_N).expect("seal"),
    )
    .expect("write");
    file
}

/// Names in `dir` that a restore may have left (its staging folders).
fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| fsutil::is_temp(n))
        .collect()
}

#[test]
fn a_restore_that_fails_late_leaves_nothing_behind_and_a_retry_works() {
    let dir = tempfile::tempdir().expect("temp");
    let (vault, records) = filled(&dir.path().join("vault"));
    let good = dir.path().join("good.backup");
    backup::backup(&vault, &good, &pass(), LOG_N).expect("backup");
    drop(vault);
    let entries = backup_entries(&good);

    // A second vault.ron after the records: only seen once the rest is unpacked.
    let mut twice = entries.clone();
    twice.push((HEADER_FILE.to_string(), b"(format: 1)".to_vec()));
    // A key file asking for 2^30 scrypt rounds (16 GiB of memory): the stanza's work
    // factor is changed in place, which age reads before it does any work.
    let absurd: Vec<(String, Vec<u8>)> = entries
        .iter()
        .map(|(path, bytes)| {
            if path != IDENTITY_FILE {
                return (path.clone(), bytes.clone());
            }
            let text = String::from_utf8_lossy(bytes).into_owned();
            let (head, body) = text.split_once("\n-> scrypt ").expect("a scrypt stanza");
            let (salt, rest) = body.split_once(' ').expect("salt");
            let (log_n, rest) = rest.split_once('\n').expect("work factor");
            assert_eq!(log_n, LOG_N.to_string());
            let edited = format!("{head}\n-> scrypt {salt} 30\n{rest}");
            (path.clone(), edited.into_bytes())
        })
        .collect();
    // A key file sealed with another passphrase than the backup's.
    let mut foreign = entries.clone();
    for (path, bytes) in &mut foreign {
        if path == IDENTITY_FILE {
            *bytes = crypto::wrap_identity(
                &crypto::generate_identity(),
                &secret("another passphrase"),
                LOG_N,
            )
            .expect("wrap");
        }
    }
    // A backup cut short: the archive's end and the last tag are missing.
    let cut = dir.path().join("cut.backup");
    let whole = fs::read(&good).expect("read");
    fs::write(&cut, &whole[..whole.len() - 2000]).expect("write");

    let cases = [
        ("a second vault.ron", backup_of(dir.path(), "twice", &twice)),
        ("log N 30", backup_of(dir.path(), "absurd", &absurd)),
        ("a foreign key", backup_of(dir.path(), "foreign", &foreign)),
        ("cut short", cut),
    ];
    let parent = dir.path().join("restores");
    fs::create_dir(&parent).expect("mkdir");
    for (name, file) in &cases {
        for target in [parent.join("new"), parent.join("empty")] {
            if target.ends_with("empty") {
                fs::create_dir_all(&target).expect("mkdir");
            }
            let result = backup::restore(file, &target, &pass(), now());
            assert!(
                matches!(result, Err(VaultError::Backup(_))),
                "{name}: {:?}",
                result.map(|v| v.records)
            );
            if target.ends_with("empty") {
                assert_eq!(
                    fs::read_dir(&target).expect("list").count(),
                    0,
                    "{name}: the empty folder stays empty"
                );
            } else {
                assert!(!target.exists(), "{name}: nothing at the target");
            }
            assert_eq!(leftovers(&parent), Vec::<String>::new(), "{name}");
        }
    }
    // Retried with a good backup, both work, and hold every record.
    for target in [parent.join("new"), parent.join("empty")] {
        let restored = backup::restore(&good, &target, &pass(), now()).expect("the retry restores");
        assert!(restored.problems.is_empty());
        assert_eq!(restored.records, records.len());
        let reopened = Vault::open(&target, Some(&pass()), Access::ReadOnly).expect("opens");
        assert_eq!(
            by_id(&reopened.verify().expect("verify").records),
            by_id(&records)
        );
    }
    assert_eq!(leftovers(&parent), Vec::<String>::new());
}

#[cfg(unix)]
#[test]
fn restore_never_changes_the_folder_above_the_target() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp");
    let (vault, _) = filled(&dir.path().join("vault"));
    let good = dir.path().join("good.backup");
    backup::backup(&vault, &good, &pass(), LOG_N).expect("backup");
    drop(vault);
    let shared = dir.path().join("shared");
    fs::create_dir(&shared).expect("mkdir");
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o1777)).expect("chmod");
    let mode = |p: &Path| fs::metadata(p).expect("stat").permissions().mode() & 0o7777;

    let refused = backup::restore(
        &dir.path().join("vault/vault.ron"),
        &shared.join("v"),
        &pass(),
        now(),
    );
    assert!(refused.is_err());
    assert_eq!(mode(&shared), 0o1777, "a refused restore leaves it alone");
    backup::restore(&good, &shared.join("v"), &pass(), now()).expect("restore");
    assert_eq!(mode(&shared), 0o1777, "a restore leaves it alone");
    assert_eq!(
        mode(&shared.join("v")),
        0o700,
        "the vault itself is private"
    );
    assert_eq!(leftovers(&shared), Vec::<String>::new());

    // A missing folder above is not made: restore says so and creates nothing.
    let missing = dir.path().join("not-there").join("v");
    assert!(matches!(
        backup::restore(&good, &missing, &pass(), now()),
        Err(VaultError::Backup(_))
    ));
    assert!(!dir.path().join("not-there").exists());
}

#[test]
fn a_backup_that_is_not_one_is_refused_after_reading_its_first_bytes_only() {
    let dir = tempfile::tempdir().expect("temp");
    // 2 GiB of zeros without a line break, sparse so that the test costs nothing: age
    // alone would read it whole looking for the end of its first line.
    let sparse = dir.path().join("sparse.backup");
    fs::File::create(&sparse)
        .expect("create")
        .set_len(2 << 30)
        .expect("set_len");
    let started = std::time::Instant::now();
    let result = backup::restore(&sparse, &dir.path().join("v"), &pass(), now());
    let Err(VaultError::Backup(why)) = result else {
        panic!("refused as not a backup: {:?}", result.map(|v| v.records));
    };
    assert_eq!(why, "the file is not a Tandem backup");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    // The age magic followed by a header that never ends.
    let endless = dir.path().join("endless.backup");
    let mut bytes = b"age-encryption.org/v1\n-> scrypt ".to_vec();
    bytes.resize(1 << 20, b'A');
    fs::write(&endless, bytes).expect("write");
    assert!(matches!(
        backup::restore(&endless, &dir.path().join("v"), &pass(), now()),
        Err(VaultError::Backup(_))
    ));
    assert!(!dir.path().join("v").exists());
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}

#[test]
fn a_plaintext_vault_exists_only_when_asked_for() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let vault = Vault::init(&root, Protection::InsecurePlaintext, now()).expect("init");
    assert_eq!(vault.header().encryption, Encryption::None);
    let record = demo_records().remove(0);
    let RecordBody::Couple(couple) = &record else {
        panic!("couple first")
    };
    vault.save(&record, now()).expect("save");
    let file = root
        .join(RECORDS_DIR)
        .join("couples")
        .join(format!("{}.ron", record.id()));
    assert!(
        fs::read_to_string(file)
            .expect("plain")
            .contains(&couple.partner_a.name)
    );
    drop(vault);
    let vault = Vault::open(&root, None, Access::ReadOnly).expect("open without passphrase");
    assert_eq!(
        vault.load(RecordKind::Couple, record.id()).expect("load"),
        record
    );
}

#[test]
fn init_and_open_refuse_what_they_should() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let weak = Vault::init(
        &root,
        Protection::Passphrase {
            passphrase: secret("short"),
            log_n: LOG_N,
        },
        now(),
    );
    assert!(matches!(weak, Err(VaultError::WeakPassphrase(8))));
    assert!(!root.join(HEADER_FILE).exists(), "no half-made vault");
    drop(new_vault(&root));
    assert!(matches!(
        Vault::init(&root, Protection::InsecurePlaintext, now()),
        Err(VaultError::AlreadyExists(_))
    ));
    let elsewhere = dir.path().join("nothing-here");
    assert!(matches!(
        Vault::open(&elsewhere, Some(&pass()), Access::ReadOnly),
        Err(VaultError::NotAVault(_))
    ));
    assert!(matches!(
        Vault::open(&root, None, Access::ReadOnly),
        Err(VaultError::WrongPassphrase)
    ));
}

#[test]
fn a_record_in_the_wrong_folder_is_caught() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let (vault, records) = filled(&root);
    let couple = records
        .iter()
        .find(|r| r.kind() == RecordKind::Couple)
        .expect("couple");
    let from = vault
        .kind_dir(RecordKind::Couple)
        .join(format!("{}.age", couple.id()));
    let to = vault
        .kind_dir(RecordKind::Session)
        .join(format!("{}.age", couple.id()));
    fs::rename(from, to).expect("move");
    let scan = vault.scan().expect("scan");
    assert!(
        matches!(&scan.problems[..], [FileProblem::Quarantined { reason, .. }] if reason.contains("holds a couple record but sits in the sessions folder")),
        "{:?}",
        scan.problems
    );
}

#[test]
fn open_and_scan_lists_what_open_then_scan_lists() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let (vault, _) = filled(&root);
    let expected = vault.scan().expect("scan");
    drop(vault);
    let (vault, scan) =
        Vault::open_and_scan(&root, Some(&pass()), Access::ReadWrite).expect("open");
    assert_eq!(scan.couples, expected.couples);
    assert_eq!(scan.sessions, expected.sessions);
    assert_eq!(vault.access(), Access::ReadWrite);
    drop(vault);
    assert!(matches!(
        Vault::open_and_scan(&root, Some(&secret("wrong passphrase")), Access::ReadOnly),
        Err(VaultError::WrongPassphrase)
    ));
}

#[test]
fn the_auto_lock_time_is_a_vault_setting() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let mut vault = new_vault(&root);
    assert_eq!(vault.header().auto_lock_mins, 10);
    assert!(vault.set_auto_lock_mins(0).is_err());
    vault.set_auto_lock_mins(25).expect("set");
    drop(vault);
    let vault = Vault::open(&root, Some(&pass()), Access::ReadOnly).expect("open");
    assert_eq!(vault.header().auto_lock_mins, 25);
}

#[test]
fn the_appearance_is_kept_in_the_header_and_an_older_header_reads_as_system() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let mut vault = new_vault(&root);
    assert_eq!(vault.header().appearance, crate::model::Appearance::System);
    vault
        .set_appearance(crate::model::Appearance::Dark)
        .expect("set");
    drop(vault);
    let vault = Vault::open(&root, Some(&pass()), Access::ReadOnly).expect("open");
    assert_eq!(vault.header().appearance, crate::model::Appearance::Dark);
    drop(vault);
    // A format 1 header, written before the setting existed, has no `appearance` line.
    let path = root.join(HEADER_FILE);
    std::fs::write(
        &path,
        "(format: 1, created_at: \"2026-11-22T09:00:00Z\", encryption: Age, auto_lock_mins: 10)",
    )
    .expect("write");
    let vault = Vault::open(&root, Some(&pass()), Access::ReadOnly).expect("open");
    assert_eq!(vault.header().appearance, crate::model::Appearance::System);
}

#[test]
fn credentials_are_kept_sealed_and_an_older_header_reads_without_them() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let mut vault = new_vault(&root);
    assert_eq!(vault.header().credentials, "");
    assert!(vault.set_credentials("LMFT\nPhD", "").is_err());
    vault.set_credentials(" LMFT ", "MFT 54321").expect("set");
    drop(vault);
    let vault = Vault::open(&root, Some(&pass()), Access::ReadOnly).expect("open");
    assert_eq!(vault.header().credentials, "LMFT");
    assert_eq!(vault.header().licence_number, "MFT 54321");
    drop(vault);
    let plain = fs::read_to_string(root.join(HEADER_FILE)).expect("header");
    assert!(!plain.contains("MFT 54321"), "{plain}");
    // A format 1 header, written before the settings existed, has neither.
    std::fs::write(
        root.join(HEADER_FILE),
        "(format: 1, created_at: \"2026-11-22T09:00:00Z\", encryption: Age, auto_lock_mins: 10, clinician_name: \"Dr. R. Vale\")",
    )
    .expect("write");
    let vault = Vault::open(&root, Some(&pass()), Access::ReadOnly).expect("open");
    assert_eq!(vault.header().clinician_name, "Dr. R. Vale");
    assert_eq!(vault.header().credentials, "");
    assert_eq!(vault.header().licence_number, "");
}

#[test]
fn a_couples_process_notes_load_oldest_first_and_a_damaged_one_is_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (vault, records) = filled(dir.path());
    let couples: Vec<CoupleId> = records
        .iter()
        .filter_map(|r| match r {
            RecordBody::Couple(c) => Some(c.id),
            _ => None,
        })
        .collect();
    let (ours, theirs) = (couples[0], couples[1]);
    let note = |n: u128, couple: CoupleId, hour: u32| ProcessNote {
        format: PROCESS_NOTE_FORMAT,
        id: ProcessNoteId(Uuid::from_u128(n)),
        couple,
        session: None,
        written_at: Utc.with_ymd_and_hms(2026, 11, 20, hour, 0, 0).unwrap(),
        updated_at: Utc.with_ymd_and_hms(2026, 11, 20, hour, 0, 0).unwrap(),
        text: format!("note {n}"),
    };
    for body in [note(1, ours, 12), note(2, ours, 9), note(3, theirs, 10)] {
        vault
            .save(&RecordBody::ProcessNote(body), now())
            .expect("save");
    }
    let (notes, unreadable) = vault.couple_process_notes(ours).expect("load");
    let ids: Vec<u128> = notes.iter().map(|n| n.id.0.as_u128()).collect();
    assert_eq!(ids, [2, 1]);
    assert_eq!(unreadable, 0);

    let damaged = vault
        .root()
        .join(RECORDS_DIR)
        .join(RecordKind::ProcessNote.folder())
        .join(format!("{}.age", Uuid::from_u128(1)));
    fs::write(&damaged, b"not age").expect("write");
    let (notes, unreadable) = vault.couple_process_notes(ours).expect("load");
    assert_eq!(notes.len(), 1);
    assert_eq!(unreadable, 1);
}

#[test]
fn a_remembered_folder_survives_reopening_and_an_older_header_reads_without_one() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let mut vault = new_vault(&root);
    assert_eq!(vault.header().last_folder(LastFolder::Exports), None);
    let exports = dir.path().join("Tandem exports");
    vault
        .set_last_folder(LastFolder::Exports, &exports)
        .expect("remembered");
    assert!(
        vault
            .set_last_folder(LastFolder::TakeHome, Path::new("two\nlines"))
            .is_err()
    );
    drop(vault);
    let vault = Vault::open(&root, Some(&pass()), Access::ReadWrite).expect("open");
    assert_eq!(
        vault.header().last_folder(LastFolder::Exports),
        Some(exports.as_path())
    );
    assert_eq!(vault.header().last_folder(LastFolder::TakeHome), None);
    drop(vault);
    // The folders are sealed with the settings, not in the plaintext header.
    let plain = fs::read_to_string(root.join(HEADER_FILE)).expect("header");
    assert!(
        !plain.contains("export_folder") && !plain.contains("take_home"),
        "{plain}"
    );
    // A format 1 header written before these settings existed still opens, and opened
    // for writing it is converted: its settings sealed, the plaintext header emptied.
    fs::write(
        root.join(HEADER_FILE),
        "(format: 1, created_at: \"2026-11-22T09:00:00Z\", encryption: Age, auto_lock_mins: 12, practice_name: \"Old practice\")",
    )
    .expect("write");
    let vault = Vault::open(&root, Some(&pass()), Access::ReadWrite).expect("open");
    assert_eq!(vault.header().export_folder, None);
    assert_eq!(vault.header().auto_lock_mins, 12);
    assert_eq!(vault.header().practice_name, "Old practice");
    let plain = fs::read_to_string(root.join(HEADER_FILE)).expect("header");
    assert!(
        plain.contains("format: 2") && !plain.contains("Old practice"),
        "{plain}"
    );
    drop(vault);
    let vault = Vault::open(&root, Some(&pass()), Access::ReadOnly).expect("open");
    assert_eq!(vault.header().practice_name, "Old practice");
    assert_eq!(
        vault.header().created_at.to_rfc3339(),
        "2026-11-22T09:00:00+00:00"
    );
}

/// Run `work` on a thread and fail (instead of hanging the test run) if it takes longer
/// than a few seconds.
#[cfg(unix)]
fn within_seconds<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(work());
    });
    receive
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("finished without waiting on a named pipe")
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo");
    assert!(made.success());
}

#[cfg(unix)]
#[test]
fn named_pipes_in_place_of_the_vaults_own_files_never_block_it() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("vault");
    let (vault, records) = filled(&root);
    vault.scan().expect("scan writes the index");
    drop(vault);
    let index = root.join(RECORDS_DIR).join("index.age");
    assert!(index.exists());
    fs::remove_file(&index).expect("rm");
    mkfifo(&index);
    let session = records
        .iter()
        .find(|r| r.kind() == RecordKind::Session)
        .expect("a session")
        .id();
    let record = root
        .join(RECORDS_DIR)
        .join(RecordKind::Session.folder())
        .join(format!("{session}.age"));
    fs::remove_file(&record).expect("rm");
    mkfifo(&record);

    let scanned_root = root.clone();
    let (listed, loaded) = within_seconds(move || {
        let vault = Vault::open(&scanned_root, Some(&pass()), Access::ReadWrite).expect("open");
        let listed = vault.scan().map(|s| s.sessions.len());
        let loaded = vault.load(RecordKind::Session, session).map(|_| ());
        (listed, loaded)
    });
    // The index is rebuilt from the records; the pipe in a record's place is not one.
    assert_eq!(listed.expect("lists"), session_count(&records) - 1);
    assert!(loaded.is_err());
    // A pipe as the header or the key file is refused by name.
    for name in [HEADER_FILE, IDENTITY_FILE] {
        let copy = dir.path().join(format!("copy-{name}"));
        fs::rename(root.join(name), &copy).expect("mv");
        mkfifo(&root.join(name));
        let opened_root = root.clone();
        let opened = within_seconds(move || {
            Vault::open(&opened_root, Some(&pass()), Access::ReadOnly).map(|_| ())
        });
        let message = opened.expect_err("refused").to_string();
        assert!(message.contains("a named pipe"), "{name}: {message}");
        fs::remove_file(root.join(name)).expect("rm");
        fs::rename(&copy, root.join(name)).expect("mv back");
    }
}

#[test]
fn a_vault_tells_syncthing_what_stays_on_each_device_and_keeps_the_therapists_own_lines() {
    let dir = tempfile::tempdir().expect("temp");
    let vault = new_vault(dir.path());
    let root = vault.root().to_path_buf();
    let read = || std::fs::read_to_string(root.join(STIGNORE_FILE)).expect("written");
    let first = read();
    for pattern in SYNC_IGNORES {
        assert!(first.lines().any(|l| l == pattern), "{pattern} in {first}");
    }
    // Records, settings and the audit trail travel: no pattern names them.
    for travels in [
        "sessions",
        "couples",
        "settings.age",
        "audit.log",
        "vault.ron",
    ] {
        assert!(!first.contains(travels), "{travels} ignored: {first}");
    }
    drop(vault);
    // The therapist's own lines stay; Tandem's block is put back as it should be, once.
    let edited = first.replace("(?d)/records/search.age\n", "") + "// mine\n/photos\n";
    std::fs::write(root.join(STIGNORE_FILE), &edited).expect("edit");
    let vault = Vault::open(&root, Some(&pass()), Access::ReadWrite).expect("open");
    let second = read();
    assert!(second.contains("(?d)/records/search.age"), "{second}");
    assert!(second.ends_with("// mine\n/photos\n"), "{second}");
    assert_eq!(second.matches("/.lock").count(), 1, "{second}");
    drop(vault);
    let vault = Vault::open(&root, Some(&pass()), Access::ReadWrite).expect("open");
    assert_eq!(read(), second, "unchanged when already right");
    drop(vault);
    // Read-only access writes nothing.
    std::fs::remove_file(root.join(STIGNORE_FILE)).expect("remove");
    let _reader = Vault::open(&root, Some(&pass()), Access::ReadOnly).expect("open");
    assert!(!root.join(STIGNORE_FILE).exists());
}
