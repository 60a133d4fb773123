//! The practice's protocol library: the shipped protocols and the practice's own, kept in
//! the vault as protocol records (`model::protocol`); and the exact version of every
//! protocol a session ran, so that its notes, exports and imports read as they were after
//! the protocol changes or leaves the library.

use super::error::refused;
use super::{Practice, PracticeError};
use crate::model::{PROTOCOL_FORMAT, ProtocolRecord, ProtocolVersionId, Session};
use crate::template::{Library, Template};
use crate::vault::audit::AuditAction;
use crate::vault::{RecordBody, RecordKind, VaultError};
use chrono::{DateTime, Utc};
use std::borrow::Cow;

/// What adding a protocol did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Added {
    /// A new protocol in the practice's library.
    New { id: String, title: String },
    /// A new version of one of the practice's own protocols (the old one is kept).
    Replaced { id: String, title: String },
    /// That exact version is already the current one.
    Unchanged { id: String },
}

/// The shipped protocols, then the practice's own (current versions), each own one marked
/// as such. A stored version that no longer parses is reported in `errors`.
pub(super) fn build_library(vault: &crate::vault::Vault) -> Library {
    let mut library = Library::builtin();
    // Unreadable protocol records leave the shipped protocols running; `verify` reports
    // them.
    let Ok(records) = vault.records_of(RecordKind::Protocol) else {
        return library;
    };
    let mut own: Vec<ProtocolRecord> = records
        .into_iter()
        .filter_map(|r| match r {
            RecordBody::Protocol(p) if p.own && p.retired_at.is_none() => Some(p),
            _ => None,
        })
        .collect();
    own.sort_by(|a, b| a.template_id.cmp(&b.template_id));
    for record in own {
        let label = format!("practice library: {}", record.template_id);
        let problem = match crate::template::from_snapshot(&record.text) {
            Ok(template) if library.get(&template.id).is_none() => {
                library.add_own(label, template);
                continue;
            }
            Ok(_) => format!(
                "{:?} is a shipped protocol's id: this version is kept but not listed",
                record.template_id
            ),
            Err(why) => why,
        };
        library.push_error(crate::template::TemplateError {
            file: label.clone(),
            problems: vec![crate::template::Problem {
                file: label,
                line: 1,
                col: 1,
                message: problem,
            }],
        });
    }
    library
}

impl Practice {
    /// Add a protocol from a template file's text: checked like any template (problems by
    /// line and column), refused if its id is a shipped protocol's, stored in the vault
    /// and listed and run as the practice's own from then on. A new version of one of the
    /// practice's own protocols replaces it in the library; the old version is kept for
    /// the sessions that ran it. Logged first.
    pub fn add_protocol(
        &mut self,
        file: &str,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<Added, PracticeError> {
        if self.is_read_only() {
            return Err(PracticeError::ReadOnly);
        }
        let template = crate::template::parse(file, text).map_err(PracticeError::Template)?;
        if self.is_shipped(&template.id) {
            return Err(refused(format!(
                "{file}: the id {:?} belongs to a protocol shipped with Tandem; give yours an id of its own (copy it and change `id`)",
                template.id
            )));
        }
        let fingerprint = crate::template::fingerprint(&template)
            .ok_or_else(|| refused(format!("{file}: the protocol could not be written")))?;
        let current = self.own_versions(&template.id)?;
        if current
            .iter()
            .any(|p| p.fingerprint == fingerprint && p.retired_at.is_none())
        {
            return Ok(Added::Unchanged { id: template.id });
        }
        let replacing = current.iter().any(|p| p.retired_at.is_none());
        let (id, title) = (template.id.clone(), template.title.clone());
        self.log(
            AuditAction::Protocol,
            None,
            &format!("{} {id}", if replacing { "replaced" } else { "added" }),
            now,
        )?;
        for mut old in current.into_iter().filter(|p| p.retired_at.is_none()) {
            old.retired_at = Some(now);
            self.save_and_wait(RecordBody::Protocol(old), now)?;
        }
        let record = ProtocolRecord {
            format: PROTOCOL_FORMAT,
            id: ProtocolVersionId::of(&fingerprint),
            template_id: id.clone(),
            title: title.clone(),
            fingerprint,
            text: crate::template::snapshot(&template).map_err(refused)?,
            own: true,
            added_at: now,
            retired_at: None,
        };
        self.save_and_wait(RecordBody::Protocol(record), now)?;
        self.reset_library();
        Ok(if replacing {
            Added::Replaced { id, title }
        } else {
            Added::New { id, title }
        })
    }

    /// Take one of the practice's own protocols out of the library. Its versions are kept,
    /// so every session that ran it still reads as it was. Logged first.
    pub fn remove_protocol(&mut self, id: &str, now: DateTime<Utc>) -> Result<(), PracticeError> {
        if self.is_read_only() {
            return Err(PracticeError::ReadOnly);
        }
        if self.is_shipped(id) {
            return Err(refused(format!(
                "{id:?} is shipped with Tandem and cannot be removed"
            )));
        }
        let current: Vec<ProtocolRecord> = self
            .own_versions(id)?
            .into_iter()
            .filter(|p| p.retired_at.is_none())
            .collect();
        if current.is_empty() {
            return Err(refused(format!(
                "the practice has no protocol {id:?}: see tandem templates list"
            )));
        }
        self.log(AuditAction::Protocol, None, &format!("removed {id}"), now)?;
        for mut version in current {
            version.retired_at = Some(now);
            self.save_and_wait(RecordBody::Protocol(version), now)?;
        }
        self.reset_library();
        Ok(())
    }

    /// Whether `id` is a protocol shipped with Tandem (in the library and not the
    /// practice's own: `build_library` never lists an own one under a shipped id).
    fn is_shipped(&self, id: &str) -> bool {
        let library = self.library();
        library.get(id).is_some() && !library.is_own(id)
    }

    /// Every stored version of the practice's own protocol `id`.
    fn own_versions(&self, id: &str) -> Result<Vec<ProtocolRecord>, PracticeError> {
        Ok(self
            .vault
            .records_of(RecordKind::Protocol)?
            .into_iter()
            .filter_map(|r| match r {
                RecordBody::Protocol(p) if p.own && p.template_id == id => Some(p),
                _ => None,
            })
            .collect())
    }

    /// The protocol a session ran: the exact version it recorded (the library's current
    /// one when that is the same, else the version kept in the vault), or, for a session
    /// recorded before versions were kept, the library's current version of its id.
    pub fn template_of(&self, session: &Session) -> Option<Cow<'_, Template>> {
        let current = self.library().get(&session.template_id);
        let Some(fingerprint) = &session.protocol else {
            return current.map(Cow::Borrowed);
        };
        if let Some(template) = current
            && self.fingerprint_of(template).as_ref() == Some(fingerprint)
        {
            return Some(Cow::Borrowed(template));
        }
        if let Some(kept) = self.kept_version(fingerprint) {
            return Some(Cow::Owned(kept));
        }
        // The version is not in this vault (a session imported from elsewhere, say): the
        // current one is the best there is.
        current.map(Cow::Borrowed)
    }

    /// The fingerprint of a template of the library (computed once per template).
    fn fingerprint_of(&self, template: &Template) -> Option<String> {
        let mut known = self
            .fingerprints
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        known
            .entry(template.id.clone())
            .or_insert_with(|| crate::template::fingerprint(template))
            .clone()
    }

    /// A stored protocol version, by fingerprint (read once, then kept in memory).
    fn kept_version(&self, fingerprint: &str) -> Option<Template> {
        let mut kept = self
            .versions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(template) = kept.get(fingerprint) {
            return Some(template.clone());
        }
        let RecordBody::Protocol(record) = self
            .vault
            .load(RecordKind::Protocol, ProtocolVersionId::of(fingerprint).0)
            .ok()?
        else {
            return None;
        };
        let template = crate::template::from_snapshot(&record.text).ok()?;
        if crate::template::fingerprint(&template).as_deref() != Some(fingerprint) {
            return None;
        }
        kept.insert(fingerprint.to_string(), template.clone());
        Some(template)
    }

    /// Make sure the version a session ran is kept in the vault: stored once, the first
    /// time a session of it is saved. Quietly nothing when the version is not the
    /// library's (a take-home's protocol is kept by `keep_protocol` instead).
    pub(super) fn keep_version_of(
        &mut self,
        template_id: &str,
        fingerprint: Option<String>,
        now: DateTime<Utc>,
    ) {
        let Some(fingerprint) = fingerprint else {
            return;
        };
        if self
            .versions_kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(&fingerprint)
        {
            return;
        }
        let template = match self.library().get(template_id) {
            Some(t) if self.fingerprint_of(t).as_ref() == Some(&fingerprint) => t.clone(),
            _ => return,
        };
        let _ = self.keep_protocol(&template, now);
    }

    /// Keep a protocol version in the vault (once), e.g. the one a take-home worksheet
    /// was issued with, so that sessions made from it read as they were.
    pub fn keep_protocol(
        &mut self,
        template: &Template,
        now: DateTime<Utc>,
    ) -> Result<(), PracticeError> {
        let Some(fingerprint) = crate::template::fingerprint(template) else {
            return Ok(());
        };
        let id = ProtocolVersionId::of(&fingerprint);
        let stored = match self.vault.load(RecordKind::Protocol, id.0) {
            Ok(_) => true,
            Err(VaultError::NotFound { .. }) => false,
            Err(e) => return Err(e.into()),
        };
        if !stored && !self.is_read_only() {
            let record = ProtocolRecord {
                format: PROTOCOL_FORMAT,
                id,
                template_id: template.id.clone(),
                title: template.title.clone(),
                fingerprint: fingerprint.clone(),
                text: crate::template::snapshot(template).map_err(refused)?,
                own: false,
                added_at: now,
                retired_at: None,
            };
            self.save(RecordBody::Protocol(record), now)?;
        }
        self.versions_kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(fingerprint);
        Ok(())
    }

    /// Forget the library built so far (after the practice's own protocols changed).
    fn reset_library(&mut self) {
        self.library = std::sync::OnceLock::new();
        self.fingerprints
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }
}
