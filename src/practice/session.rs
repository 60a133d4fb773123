//! Running a session, the audited parts: starting and resuming one (a session opened is
//! logged), changing who may see a step, handing the screen to one partner and taking it
//! back with the passphrase. The runner itself stays pure; these functions log first and
//! then let the change happen.

use super::couple::CoupleRecord;
use super::error::refused;
use super::{Practice, PracticeError};
use crate::model::{Bindings, Partner, SessionId, Visibility};
use crate::runner::{Action, Runner, Start};
use crate::vault::audit::AuditAction;
use chrono::{DateTime, Utc};

impl Practice {
    /// Start a protocol with a couple whose record is open. The new session is not saved
    /// yet: the caller saves it as it runs.
    pub fn start_session(
        &self,
        record: &CoupleRecord,
        template_id: &str,
        bindings: Bindings,
        now: DateTime<Utc>,
    ) -> Result<Runner, PracticeError> {
        let template = self
            .library()
            .get(template_id)
            .ok_or_else(|| refused("that protocol is not in the library"))?;
        Ok(Runner::start(
            template,
            Start {
                session: SessionId(uuid::Uuid::new_v4()),
                couple: record.couple.id,
                bindings,
                facts: record.facts.clone(),
                questions: record.latest_questions(),
            },
            now,
        )?)
    }

    /// Take up a saved session again, with the couple's safety facts from their open
    /// record. Logged before it is handed out.
    pub fn resume_session(
        &self,
        record: &CoupleRecord,
        id: SessionId,
        now: DateTime<Utc>,
    ) -> Result<Runner, PracticeError> {
        let session = match record.session(id) {
            Some(s) => s.clone(),
            None => self.load_session(id)?,
        };
        if session.couple != record.couple.id {
            return Err(refused("that session belongs to another couple"));
        }
        let template = self
            .template_of(&session)
            .ok_or_else(|| refused("the session's protocol is not in the library"))?
            .into_owned();
        let runner = Runner::resume(&template, session, record.facts.clone())?;
        self.log(AuditAction::Open, Some(id.0), "session", now)?;
        Ok(runner)
    }

    /// Change who may see the step on screen (narrower at any time, wider only before
    /// anything is recorded). The change is tried on a copy, logged, and only then made:
    /// a change that cannot be logged is not made.
    pub fn change_visibility(
        &self,
        runner: &mut Runner,
        visibility: Visibility,
        now: DateTime<Utc>,
    ) -> Result<(), PracticeError> {
        let mut changed = runner.clone();
        changed.apply(Action::SetVisibility(visibility), now)?;
        let (_, record) = changed.current();
        let to = match visibility {
            Visibility::Joint => "joint",
            Visibility::PartnerPrivate => "private",
            Visibility::ClinicianOnly => "clinician-only",
        };
        self.log(
            AuditAction::Visibility,
            Some(changed.session().id.0),
            &format!("step {} now {to}", record.step_id),
            now,
        )?;
        *runner = changed;
        Ok(())
    }

    /// End the session. A safety screen that ends with plain joint work decided over a
    /// raised concern is written to the audit log first (the decision then counts); if
    /// that cannot be logged, the session is not ended.
    pub fn end_session(
        &self,
        runner: &mut Runner,
        now: DateTime<Utc>,
    ) -> Result<(), PracticeError> {
        let mut ended = runner.clone();
        ended.apply(Action::End, now)?;
        if crate::runner::facts::overrides_a_concern(ended.session()) {
            self.log(
                AuditAction::SafetyOverride,
                Some(ended.session().id.0),
                "joint work over a raised concern, reason recorded",
                now,
            )?;
        }
        *runner = ended;
        Ok(())
    }

    /// Take an ended session up again: tried on a copy, logged, then made.
    pub fn reopen_session(
        &self,
        runner: &mut Runner,
        now: DateTime<Utc>,
    ) -> Result<(), PracticeError> {
        let mut reopened = runner.clone();
        reopened.apply(Action::Reopen, now)?;
        self.log(
            AuditAction::Reopen,
            Some(reopened.session().id.0),
            "session",
            now,
        )?;
        *runner = reopened;
        Ok(())
    }

    /// Give the screen to one partner for the step on screen (logged first). Refused in
    /// a vault without a passphrase: nothing could take the screen back safely.
    pub fn hand_over(
        &self,
        runner: &Runner,
        partner: Partner,
        now: DateTime<Utc>,
    ) -> Result<(), PracticeError> {
        if runner.is_ended() {
            return Err(refused("the session has ended"));
        }
        if runner.is_paused() {
            return Err(refused(
                "the session is paused: resume it before handing the screen over",
            ));
        }
        if !runner.has_part(partner) {
            return Err(refused("this step has nothing for that partner to fill in"));
        }
        if self.vault.header().encryption != crate::vault::Encryption::Age {
            return Err(refused(
                "this vault has no passphrase, so the screen could not be taken back safely",
            ));
        }
        self.log(
            AuditAction::HandOver,
            Some(runner.session().id.0),
            &partner.to_string(),
            now,
        )
    }

    /// What checking the therapist's passphrase needs, to check it off the UI thread
    /// (`PassphraseCheck::check`, one key derivation); then `hand_back`.
    pub fn hand_back_check(&self) -> Result<crate::vault::PassphraseCheck, PracticeError> {
        Ok(self.vault.passphrase_check()?)
    }

    /// Take the screen back once the passphrase was checked: the hand-back is logged
    /// before the therapist's view returns; a wrong passphrase is logged as refused and
    /// the screen stays with the partner (`Ok(false)`).
    pub fn hand_back(
        &self,
        session: Option<SessionId>,
        is_passphrase: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, PracticeError> {
        let record = session.map(|s| s.0);
        let detail = if is_passphrase { "" } else { "refused" };
        self.log(AuditAction::HandBack, record, detail, now)?;
        Ok(is_passphrase)
    }
}
