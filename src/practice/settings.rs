//! The practice's settings (kept in the vault's header) and its passphrase. Each change is
//! logged first, naming the setting and never its value.

use super::{Practice, PracticeError};
use crate::model::{Appearance, NoteStyle};
use crate::vault::LastFolder;
use crate::vault::audit::AuditAction;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use std::path::Path;

impl Practice {
    /// The practice name printed at the top of every exported page.
    pub fn set_practice_name(
        &mut self,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<(), PracticeError> {
        if self.vault.header().practice_name == name.trim() {
            return Ok(());
        }
        self.check_writable()?;
        self.log(AuditAction::Settings, None, "practice name", now)?;
        Ok(self.vault.set_practice_name(name)?)
    }

    /// The structure new notes are drafted in, and the name notes are signed with.
    pub fn set_note_defaults(
        &mut self,
        style: NoteStyle,
        clinician_name: &str,
        now: DateTime<Utc>,
    ) -> Result<(), PracticeError> {
        let header = self.vault.header();
        if header.note_style == style && header.clinician_name == clinician_name.trim() {
            return Ok(());
        }
        self.check_writable()?;
        self.log(AuditAction::Settings, None, "note defaults", now)?;
        Ok(self.vault.set_note_defaults(style, clinician_name)?)
    }

    /// The credentials and licence number printed in a progress note's signature block.
    pub fn set_credentials(
        &mut self,
        credentials: &str,
        licence_number: &str,
        now: DateTime<Utc>,
    ) -> Result<(), PracticeError> {
        let header = self.vault.header();
        if header.credentials == credentials.trim()
            && header.licence_number == licence_number.trim()
        {
            return Ok(());
        }
        self.check_writable()?;
        self.log(AuditAction::Settings, None, "credentials", now)?;
        Ok(self.vault.set_credentials(credentials, licence_number)?)
    }

    /// Lock the app after this many idle minutes (1 to 240).
    pub fn set_auto_lock_mins(
        &mut self,
        mins: u32,
        now: DateTime<Utc>,
    ) -> Result<(), PracticeError> {
        if self.vault.header().auto_lock_mins == mins {
            return Ok(());
        }
        self.check_writable()?;
        self.log(AuditAction::Settings, None, "auto-lock", now)?;
        Ok(self.vault.set_auto_lock_mins(mins)?)
    }

    /// The re-screen interval and the practice's own safety resources.
    pub fn set_safety_settings(
        &mut self,
        rescreen_days: u32,
        resources: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), PracticeError> {
        self.check_writable()?;
        self.log(AuditAction::Settings, None, "safety", now)?;
        Ok(self.vault.set_safety_settings(rescreen_days, resources)?)
    }

    /// Remember the folder last used for exports or take-home files, offered next time.
    /// Logged as a setting, naming which folder and never the path.
    pub fn remember_folder(
        &mut self,
        which: LastFolder,
        folder: &Path,
        now: DateTime<Utc>,
    ) -> Result<(), PracticeError> {
        if self.vault.header().last_folder(which) == Some(folder) {
            return Ok(());
        }
        self.check_writable()?;
        self.log(AuditAction::Settings, None, which.setting(), now)?;
        Ok(self.vault.set_last_folder(which, folder)?)
    }

    /// How the app looks: light, dark, or as the system says.
    pub fn set_appearance(
        &mut self,
        appearance: Appearance,
        now: DateTime<Utc>,
    ) -> Result<(), PracticeError> {
        if self.vault.header().appearance == appearance {
            return Ok(());
        }
        self.check_writable()?;
        self.log(AuditAction::Settings, None, "appearance", now)?;
        Ok(self.vault.set_appearance(appearance)?)
    }

    /// How exported documents write dates. Logged first.
    pub fn set_date_style(
        &mut self,
        style: crate::model::DateStyle,
        now: DateTime<Utc>,
    ) -> Result<(), PracticeError> {
        if self.vault.header().date_style == style {
            return Ok(());
        }
        self.check_writable()?;
        self.log(AuditAction::Settings, None, "date style", now)?;
        Ok(self.vault.set_date_style(style)?)
    }

    /// Change the vault's passphrase (two key derivations). Logged first.
    pub fn change_passphrase(
        &self,
        old: &SecretString,
        new: &SecretString,
        log_n: u8,
        now: DateTime<Utc>,
    ) -> Result<(), PracticeError> {
        self.check_writable()?;
        crate::vault::crypto::check_strength(new)?;
        self.log(
            AuditAction::Passphrase,
            None,
            &format!(
                "key file rewrapped with a new passphrase (scrypt log N {log_n}); records unchanged"
            ),
            now,
        )?;
        Ok(self.vault.change_passphrase(old, new, log_n)?)
    }

    /// Give another clinician their own passphrase (logged first: the key's id, never
    /// the passphrase); returns their key's id.
    pub fn add_clinician(
        &self,
        passphrase: &SecretString,
        log_n: u8,
        now: DateTime<Utc>,
    ) -> Result<String, PracticeError> {
        self.check_writable()?;
        crate::vault::crypto::check_strength(passphrase)?;
        self.log(
            AuditAction::Passphrase,
            None,
            "a clinician key is being added",
            now,
        )?;
        let id = self.vault.add_clinician(passphrase, log_n)?;
        self.log(
            AuditAction::Passphrase,
            None,
            &format!("clinician key {id} added"),
            now,
        )?;
        Ok(id)
    }

    /// Remove a clinician's access: logged first, then the practice's key replaced and
    /// every record sealed again (`Vault::remove_clinician`). Saves waiting are written
    /// first; the save thread starts again with the new key.
    pub fn remove_clinician(
        &mut self,
        id: &str,
        owner: &SecretString,
        log_n: u8,
        now: DateTime<Utc>,
    ) -> Result<crate::vault::keys::Rekeyed, PracticeError> {
        self.check_writable()?;
        if !self.vault.clinicians().iter().any(|c| c == id) {
            return Err(super::error::refused(format!(
                "no clinician key {id} in this vault (tandem clinicians list)"
            )));
        }
        self.log(
            AuditAction::Passphrase,
            None,
            &format!("clinician key {id} removed: the practice's key is replaced"),
            now,
        )?;
        if let Some(mut queue) = self.queue.take() {
            self.outcomes
                .extend(queue.flush(std::time::Duration::from_secs(30)));
        }
        let done = self.vault.remove_clinician(id, owner, log_n);
        self.queue = Some(crate::vault::saver::SaveQueue::start(&self.vault)?);
        let done = done?;
        self.log(
            AuditAction::Passphrase,
            None,
            &format!(
                "{} record files sealed to the new key; {} clinicians keep access",
                done.files, done.staying
            ),
            now,
        )?;
        Ok(done)
    }

    fn check_writable(&self) -> Result<(), PracticeError> {
        if self.is_read_only() {
            Err(PracticeError::ReadOnly)
        } else {
            Ok(())
        }
    }
}
