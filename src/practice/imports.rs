//! `tandem import`: adding one record from a plaintext file (as `tandem dump` prints it),
//! never over another, and saying what the record claims that this vault did not see
//! happen.
//!
//! Such a record is kept, not refused: it may be the only account of a session that took
//! place, or of a note signed elsewhere, and refusing it would lose it. It is flagged
//! instead (`ImportFlag`): a session of a protocol the couple's safety gate kept locked,
//! a safety screen recorded elsewhere, a note marked finalized or amended with a signature
//! not made in this vault. The import's audit entry names each flag (the kind only, never
//! clinical text), and the flags are read back from the audit log, so that a flag cannot
//! be dropped without breaking the log's hash chain: `tandem verify` lists them and the
//! couple's page shows them (`CoupleRecord::import_flags`). Every import is logged before
//! the record is saved.

use super::{Practice, PracticeError, error};
use crate::model::{CoupleId, Session};
use crate::runner::facts::couple_facts;
use crate::vault::audit::{AuditAction, AuditEntry};
use crate::vault::{RecordBody, RecordKind, VaultError};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use uuid::Uuid;

/// What an imported record claims that this vault did not see happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ImportFlag {
    /// A session of a protocol that the couple's safety screens and decision, as recorded
    /// here before the session's start, kept locked: joint work the gate did not clear.
    JointWorkNotCleared,
    /// A safety screen recorded outside this vault: the gate counts it like one run here.
    ScreenRecordedElsewhere,
    /// A note marked finalized (or amended): its signature was not made in this vault.
    SignatureNotMadeHere,
}

impl ImportFlag {
    pub const ALL: [ImportFlag; 3] = [
        ImportFlag::JointWorkNotCleared,
        ImportFlag::ScreenRecordedElsewhere,
        ImportFlag::SignatureNotMadeHere,
    ];

    /// The flag's name in the audit log: fixed words, no clinical text.
    pub fn name(self) -> &'static str {
        match self {
            ImportFlag::JointWorkNotCleared => "joint-work-not-cleared",
            ImportFlag::ScreenRecordedElsewhere => "screen-recorded-elsewhere",
            ImportFlag::SignatureNotMadeHere => "signature-not-made-here",
        }
    }

    pub fn from_name(name: &str) -> Option<ImportFlag> {
        ImportFlag::ALL.into_iter().find(|f| f.name() == name)
    }

    /// What the flag means, for `tandem verify` and the couple's page.
    pub fn meaning(self) -> &'static str {
        match self {
            ImportFlag::JointWorkNotCleared => {
                "a joint protocol the couple's safety screens and decision did not clear when it ran; check how it came about"
            }
            ImportFlag::ScreenRecordedElsewhere => {
                "a safety screen recorded outside this vault, which now counts towards the safety gate; check it before relying on it"
            }
            ImportFlag::SignatureNotMadeHere => {
                "marked finalized with a signature not made in this vault"
            }
        }
    }
}

/// The detail an import's audit entry carries: the record's kind, then its flags.
fn detail(kind: RecordKind, flags: &[ImportFlag]) -> String {
    if flags.is_empty() {
        kind.name().to_string()
    } else {
        let names: Vec<&str> = flags.iter().map(|f| f.name()).collect();
        format!("{}; flagged: {}", kind.name(), names.join(", "))
    }
}

/// The import entries of the audit log read so far, and where reading stopped.
#[derive(Debug, Default)]
pub struct ImportsRead {
    lines: usize,
    last_hash: Option<String>,
    imports: Vec<AuditEntry>,
}

/// Every record flagged when it was imported, by id, as the audit log says.
pub fn flags_from_log(entries: &[AuditEntry]) -> BTreeMap<Uuid, Vec<ImportFlag>> {
    let mut flags: BTreeMap<Uuid, Vec<ImportFlag>> = BTreeMap::new();
    for entry in entries {
        let (AuditAction::ImportRecord, Some(record)) = (entry.action, entry.record) else {
            continue;
        };
        let Some((_, names)) = entry.detail.split_once("; flagged: ") else {
            continue;
        };
        let found = flags.entry(record).or_default();
        for flag in names.split(", ").filter_map(ImportFlag::from_name) {
            if !found.contains(&flag) {
                found.push(flag);
            }
        }
    }
    flags.retain(|_, f| !f.is_empty());
    flags
}

/// The flags of a session brought into `couple`'s record beside `others` (their sessions
/// already in the vault).
fn session_flags(
    session: &Session,
    template: &crate::template::Template,
    others: &[Session],
) -> Vec<ImportFlag> {
    if crate::model::screen_of(session).is_some() {
        return vec![ImportFlag::ScreenRecordedElsewhere];
    }
    // The gate as it stood when the session started: screens recorded before it.
    let facts = couple_facts(
        others
            .iter()
            .filter(|s| s.id != session.id && s.started_at <= session.started_at),
    );
    if crate::runner::locked_because(template, &facts).is_empty() {
        Vec::new()
    } else {
        vec![ImportFlag::JointWorkNotCleared]
    }
}

impl Practice {
    /// Add a record brought from outside (`tandem import`, a record as `tandem dump`
    /// prints it). Never overwrites: refused if a record with its id exists. A session
    /// must belong to a couple in this vault and replay in its protocol. What it claims
    /// that this vault did not see is flagged, not refused (see the module's notes), and
    /// returned; the import is logged with its flags before the record is saved, and the
    /// record is saved before this returns. Needs the lists (`OpenRequest::lists`): the
    /// couple's sessions decide whether their gate was open.
    pub fn import_record(
        &mut self,
        body: RecordBody,
        now: DateTime<Utc>,
    ) -> Result<Vec<ImportFlag>, PracticeError> {
        self.import_or_replace(body, false, now)
    }

    /// Replace a record that is there with a new version of it, checked as an import is
    /// (`tandem import --replace`: an edit made outside the app). Saved as this device's
    /// next version of the record, so a change another device made meanwhile is kept
    /// beside it as a conflict; logged first.
    pub fn replace_record(
        &mut self,
        body: RecordBody,
        now: DateTime<Utc>,
    ) -> Result<Vec<ImportFlag>, PracticeError> {
        self.import_or_replace(body, true, now)
    }

    fn import_or_replace(
        &mut self,
        body: RecordBody,
        replace: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<ImportFlag>, PracticeError> {
        let (kind, id) = (body.kind(), body.id());
        match (self.vault.load(kind, id), replace) {
            (Err(VaultError::NotFound { .. }), false) | (Ok(_), true) => {}
            (Ok(_), false) => {
                return Err(error::refused(format!(
                    "a {} record with id {id} already exists; import never overwrites (--replace saves it as a new version)",
                    kind.name()
                )));
            }
            (Err(VaultError::NotFound { .. }), true) => {
                return Err(error::refused(format!(
                    "there is no {} record with id {id} to replace",
                    kind.name()
                )));
            }
            (Err(e), _) => return Err(e.into()),
        }
        let flags = match &body {
            RecordBody::Session(session) => {
                match self.vault.load(RecordKind::Couple, session.couple.0) {
                    Ok(_) => {}
                    Err(VaultError::NotFound { .. }) => {
                        return Err(error::refused(format!(
                            "the session's couple {} is not in this vault",
                            session.couple.0
                        )));
                    }
                    Err(e) => return Err(e.into()),
                }
                let template = self.library().get(&session.template_id).ok_or_else(|| {
                    error::refused(format!(
                        "the session uses template {:?}, which this Tandem does not have",
                        session.template_id
                    ))
                })?;
                crate::runner::Runner::resume(template, session.clone(), Default::default())?;
                let (others, _) = self
                    .vault
                    .couple_sessions(&self.lists.sessions, session.couple);
                session_flags(session, template, &others)
            }
            RecordBody::Note(note) if note.finalized.is_some() || !note.amendments.is_empty() => {
                vec![ImportFlag::SignatureNotMadeHere]
            }
            RecordBody::Note(_)
            | RecordBody::Couple(_)
            | RecordBody::ProcessNote(_)
            | RecordBody::Course(_)
            | RecordBody::Worksheet(_) => Vec::new(),
            // A protocol comes in checked, as a template: `tandem templates add`.
            RecordBody::Protocol(_) => {
                return Err(error::refused(
                    "a protocol is added with tandem templates add FILE.ron, which checks it",
                ));
            }
        };
        let said = if replace {
            format!("replaced: {}", detail(kind, &flags))
        } else {
            detail(kind, &flags)
        };
        self.log(AuditAction::ImportRecord, Some(id), &said, now)?;
        self.save_and_wait(body, now)?;
        Ok(flags)
    }

    /// Acknowledge a damaged file set aside in `quarantine/`, or a record file gone from
    /// its folder (logged first, naming the record by its id when the name holds one):
    /// `verify` stops reporting it. A name that is neither is refused.
    ///
    /// `audit-log` acknowledges what entries of the audit log found wrong with it (see
    /// `audit::verify`): logged as an acknowledgement through the entry it is itself, after
    /// which `verify` stops reporting those findings (a broken chain stays reported).
    pub fn acknowledge(
        &self,
        name: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), PracticeError> {
        if name == crate::vault::audit::ACKNOWLEDGE_NAME {
            let through = crate::vault::audit::next_seq(self.vault.root())?;
            return self.log(
                crate::vault::audit::AuditAction::Acknowledge,
                None,
                &crate::vault::audit::acknowledgement(through),
                now,
            );
        }
        if crate::vault::other_conflict_copies(self.vault.root())
            .iter()
            .any(|f| f == name)
        {
            self.log(
                crate::vault::audit::AuditAction::Acknowledge,
                None,
                "sync conflict copy of a vault file",
                now,
            )?;
            return Ok(self.vault.acknowledge_set_aside(name)?);
        }
        let set_aside = self.vault.set_aside_files()?.iter().any(|f| f.name == name);
        let missing = !set_aside && self.vault.missing_records()?.iter().any(|f| f == name);
        if !set_aside && !missing {
            return Ok(self.vault.acknowledge_set_aside(name)?);
        }
        // "session-<uuid>.age", "session-2-<uuid>.age" or "sessions/<uuid>.age": the
        // record's id, when the name holds one.
        let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
        let record = stem
            .char_indices()
            .rev()
            .nth(35)
            .and_then(|(at, _)| Uuid::parse_str(&stem[at..]).ok());
        let what = if set_aside {
            "quarantined file"
        } else {
            "missing record"
        };
        self.log(
            crate::vault::audit::AuditAction::Acknowledge,
            record,
            what,
            now,
        )?;
        if set_aside {
            Ok(self.vault.acknowledge_set_aside(name)?)
        } else {
            self.vault.acknowledge_missing(name)?;
            Ok(())
        }
    }

    /// Every record flagged when it was imported, by id, read from the audit log.
    /// The log is read once; later calls open only the entries written since (each opens
    /// with one X25519 decryption), unless the log was cut or replaced meanwhile.
    pub fn import_flags(&self) -> Result<BTreeMap<Uuid, Vec<ImportFlag>>, PracticeError> {
        let mut read = self
            .imports_read
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let since = self
            .vault
            .audit_entries_since(read.lines, read.last_hash.as_deref())?;
        if since.restarted {
            read.imports.clear();
        }
        read.imports.extend(
            since
                .entries
                .into_iter()
                .filter(|e| e.action == AuditAction::ImportRecord),
        );
        read.lines = since.lines;
        read.last_hash = since.last_hash;
        Ok(flags_from_log(&read.imports))
    }

    /// The import flags of one couple's sessions and notes.
    pub(super) fn couple_import_flags(
        &self,
        couple: CoupleId,
        sessions: &[Session],
        notes: &[crate::model::ClinicalNote],
    ) -> Result<BTreeMap<Uuid, Vec<ImportFlag>>, PracticeError> {
        let mut flags = self.import_flags()?;
        flags.retain(|id, _| {
            sessions.iter().any(|s| s.id.0 == *id && s.couple == couple)
                || notes.iter().any(|n| n.id.0 == *id && n.couple == couple)
        });
        Ok(flags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn entry(action: AuditAction, record: u128, detail: &str) -> AuditEntry {
        AuditEntry {
            seq: 1,
            at: Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap(),
            actor: "t".into(),
            action,
            record: Some(Uuid::from_u128(record)),
            detail: detail.into(),
            prev: String::new(),
            before: None,
            found: Vec::new(),
            mac: String::new(),
        }
    }

    #[test]
    fn flags_are_named_in_the_detail_and_read_back_from_it() {
        let flagged = detail(
            RecordKind::Session,
            &[
                ImportFlag::JointWorkNotCleared,
                ImportFlag::ScreenRecordedElsewhere,
            ],
        );
        assert_eq!(
            flagged,
            "session; flagged: joint-work-not-cleared, screen-recorded-elsewhere"
        );
        assert_eq!(detail(RecordKind::Couple, &[]), "couple");
        let read = flags_from_log(&[
            entry(AuditAction::ImportRecord, 1, &flagged),
            entry(AuditAction::ImportRecord, 2, "couple"),
            entry(
                AuditAction::ImportRecord,
                3,
                &detail(RecordKind::Note, &[ImportFlag::SignatureNotMadeHere]),
            ),
            // Only an import's entry flags a record.
            entry(
                AuditAction::Export,
                4,
                "session; flagged: joint-work-not-cleared",
            ),
        ]);
        assert_eq!(
            read,
            BTreeMap::from([
                (
                    Uuid::from_u128(1),
                    vec![
                        ImportFlag::JointWorkNotCleared,
                        ImportFlag::ScreenRecordedElsewhere
                    ]
                ),
                (Uuid::from_u128(3), vec![ImportFlag::SignatureNotMadeHere]),
            ])
        );
        for flag in ImportFlag::ALL {
            assert_eq!(ImportFlag::from_name(flag.name()), Some(flag));
        }
    }
}
