//! The running session's commands: start, resume, act, type, close; present mode, the
//! safety card, the commitment review; handing the screen to a partner and taking it
//! back (the passphrase is checked on a job of its own).

use crate::app::command::{ErrorPlace, SessionCommand};
use crate::app::forms::{Confirm, Overlay};
use crate::app::state::{AppError, AppState, Live, SAVE_TIMEOUT, Screen, refused};
use crate::model::{Bindings, CoupleId, Partner, SessionId};
use crate::practice::{Job, PracticeError};
use crate::runner::Action;
use crate::runner::facts::SAFETY_SCREEN_TEMPLATE;
use chrono::{DateTime, Utc};
use secrecy::SecretString;

impl AppState {
    pub(in crate::app) fn apply_session(
        &mut self,
        command: SessionCommand,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        match command {
            SessionCommand::Start {
                couple,
                template_id,
                bindings,
            } => self.start_session(couple, &template_id, bindings, now),
            SessionCommand::StartSafetyScreen(couple) => {
                self.start_session(couple, SAFETY_SCREEN_TEMPLATE, Bindings::default(), now)
            }
            SessionCommand::Resume(id) => self.resume_session(id, now),
            SessionCommand::Act(action) => self.act(action, now),
            SessionCommand::Submit { action, drafts } => {
                self.act(action, now)?;
                // Recorded: the text typed for it is used up, whichever path recorded it.
                if let Some(live) = self.live.as_mut() {
                    for key in &drafts {
                        live.runner.set_draft(key, String::new());
                    }
                }
                Ok(())
            }
            SessionCommand::SetDraft { key, text } => {
                let live = self
                    .live
                    .as_mut()
                    .ok_or_else(|| refused("no session is running"))?;
                live.runner.set_draft(&key, text);
                live.dirty = true;
                Ok(())
            }
            SessionCommand::Close => self.close_session(now),
            SessionCommand::AskToEnd => {
                let live = self
                    .live
                    .as_ref()
                    .ok_or_else(|| refused("no session is running"))?;
                if live.runner.is_ended() {
                    return Err(refused("the session has ended"));
                }
                self.overlay.clear_secrets();
                self.overlay = Overlay::Confirm(Confirm::EndSession);
                Ok(())
            }
            SessionCommand::AskToRelease => {
                if self.live.is_none() {
                    return Err(refused("no session is running"));
                }
                self.overlay.clear_secrets();
                self.overlay = Overlay::Confirm(Confirm::ReleaseQuestions);
                Ok(())
            }
            SessionCommand::Reopen(id) => {
                let running = self
                    .live
                    .as_ref()
                    .is_some_and(|l| l.runner.session().id == id);
                if !running {
                    self.resume_session(id, now)?;
                }
                self.act(Action::Reopen, now)
            }
            SessionCommand::TogglePresent => {
                self.overlay = match (&self.overlay, &self.live) {
                    (Overlay::Present, _) | (_, None) => Overlay::None,
                    (_, Some(_)) => Overlay::Present,
                };
                Ok(())
            }
            SessionCommand::ShowSafetyCard(show) => {
                self.overlay = if show {
                    Overlay::SafetyCard
                } else {
                    Overlay::None
                };
                Ok(())
            }
            SessionCommand::HandOver(partner) => self.start_hand_over(partner, now),
            SessionCommand::HandBack => self.check_hand_back(),
            SessionCommand::FinishReview => {
                self.forms.review_closed = true;
                Ok(())
            }
        }
    }

    fn start_session(
        &mut self,
        couple: CoupleId,
        template_id: &str,
        bindings: Bindings,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        if self.live.as_ref().is_some_and(|l| !l.is_saved()) {
            return Err(refused(
                "the running session is not saved yet; close it before starting another",
            ));
        }
        self.select_couple(Some(couple), now)?;
        let record = self
            .couple
            .as_ref()
            .ok_or_else(|| refused("no couple selected"))?;
        let runner = self
            .practice()?
            .start_session(record, template_id, bindings, now)?;
        let mut live = Live::new(runner, record.couple.clone(), true);
        live.control_concern = !record.safety.control_concern.is_empty();
        self.live = Some(live);
        self.screen = Screen::Session;
        // A hint about what to do next ("Next: each partner's screen") is done with.
        if self.status.as_ref().is_some_and(|s| !s.is_error) {
            self.status = None;
        }
        self.forms.review_closed = false;
        self.forms.template = None;
        self.autosave(now);
        Ok(())
    }

    pub(in crate::app) fn resume_session(
        &mut self,
        id: SessionId,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let couple = self
            .couple_of_session(id)
            .ok_or_else(|| refused("that session is not in this vault"))?;
        // The couple's page holds the couple and its safety facts, also after an unlock.
        self.select_couple(Some(couple), now)?;
        let record = self
            .couple
            .as_ref()
            .ok_or_else(|| refused("the session's couple is missing"))?;
        let runner = self.practice()?.resume_session(record, id, now)?;
        let mut live = Live::new(runner, record.couple.clone(), false);
        live.control_concern = !record.safety.control_concern.is_empty();
        self.live = Some(live);
        self.screen = Screen::Session;
        Ok(())
    }

    fn act(&mut self, action: Action, now: DateTime<Utc>) -> Result<(), AppError> {
        let is_nav = matches!(action, Action::Next | Action::Back | Action::Skip { .. });
        if is_nav && self.hand_over().is_some() {
            return Err(refused("the screen is with a partner: take it back first"));
        }
        let practice = self
            .practice
            .as_ref()
            .ok_or_else(|| refused("the vault is locked"))?;
        let live = self
            .live
            .as_mut()
            .ok_or_else(|| refused("no session is running"))?;
        let answers_question = matches!(action, Action::End | Action::ReleaseQuestions);
        match action {
            // A try-out is never logged: what it does stays in it.
            other if live.trial => live.runner.apply(other, now)?,
            // Audited: logged before the step's visibility changes.
            Action::SetVisibility(v) => practice.change_visibility(&mut live.runner, v, now)?,
            // Audited: logged before the ended session is taken up again.
            Action::Reopen => practice.reopen_session(&mut live.runner, now)?,
            // A screen overriding a raised concern is logged before it ends.
            Action::End => practice.end_session(&mut live.runner, now)?,
            other => live.runner.apply(other, now)?,
        }
        live.dirty = true;
        if is_nav {
            self.forms.skip_reason.clear();
        }
        if answers_question && matches!(self.overlay, Overlay::Confirm(_)) {
            self.overlay = Overlay::None;
        }
        Ok(())
    }

    /// Leaving a session that runs (closing it, or quitting Tandem) pauses it, so the
    /// time away counts on no clock; it is taken up again paused, and goes on when the
    /// therapist resumes it.
    pub(in crate::app) fn pause_on_leaving(&mut self, now: DateTime<Utc>) {
        // A read-only vault keeps nothing: a pause there would only be a change that
        // cannot be saved, and the session could not be closed.
        if self
            .practice
            .as_ref()
            .is_none_or(crate::practice::Practice::is_read_only)
        {
            return;
        }
        let Some(live) = self.live.as_mut() else {
            return;
        };
        if live.runner.is_ended() || live.runner.is_paused() {
            return;
        }
        match live.runner.apply(Action::PauseSession, now) {
            Ok(()) => live.dirty = true,
            Err(e) => self.report(&e.into()),
        }
    }

    fn close_session(&mut self, now: DateTime<Utc>) -> Result<(), AppError> {
        if self.live.as_ref().is_some_and(|l| l.trial) {
            // Nothing of a try-out is kept: back to the protocol it tried.
            self.live = None;
            if self.overlay == Overlay::Present {
                self.overlay = Overlay::None;
            }
            self.screen = if self.forms.editor.is_some() {
                Screen::Editor
            } else {
                Screen::Protocols
            };
            return Ok(());
        }
        self.pause_on_leaving(now);
        self.save_all(now, SAVE_TIMEOUT);
        if self.live.as_ref().is_some_and(|l| !l.is_saved()) {
            return Err(refused(
                "the session is not saved yet, so it stays open; see the status line",
            ));
        }
        let Some(live) = self.live.take() else {
            return Ok(());
        };
        if self.overlay == Overlay::Present {
            self.overlay = Overlay::None;
        }
        self.screen = Screen::Practice;
        let couple = live.couple.id;
        let session = live.runner.into_session();
        self.select_couple(Some(couple), now)?;
        let (practice, record) = self.practice_and_couple()?;
        practice.take_in_session(record, session, now)?;
        Ok(())
    }

    fn start_hand_over(&mut self, partner: Partner, now: DateTime<Utc>) -> Result<(), AppError> {
        let live = self
            .live
            .as_ref()
            .ok_or_else(|| refused("no session is running"))?;
        if live.trial {
            return Err(refused(
                "in a try-out each partner's part is filled in from this screen; hand-over is for sessions with a couple",
            ));
        }
        self.practice()?.hand_over(&live.runner, partner, now)?;
        self.overlay.clear_secrets();
        self.overlay = Overlay::HandOver(partner);
        self.forms.clear_secrets();
        self.status = None;
        Ok(())
    }

    /// Check the passphrase typed on the partner's screen, on a job of its own.
    fn check_hand_back(&mut self) -> Result<(), AppError> {
        if self.hand_over().is_none() || self.jobs.hand_back.is_some() {
            return Ok(());
        }
        let passphrase = SecretString::from(std::mem::take(&mut self.forms.passphrase));
        let check = self.practice()?.hand_back_check()?;
        self.jobs.hand_back = Some(Job::spawn("hand-back", move |_| {
            check.check(&passphrase).map_err(PracticeError::from)
        }));
        Ok(())
    }

    /// A passphrase check that finished: the therapist's view comes back (logged
    /// first), or the screen stays with the partner.
    pub(in crate::app) fn poll_hand_back(&mut self, now: DateTime<Utc>) {
        let Some(outcome) = self.jobs.hand_back.as_mut().and_then(Job::poll) else {
            return;
        };
        self.jobs.hand_back = None;
        let session = self.live.as_ref().map(|l| l.runner.session().id);
        let result = outcome
            .and_then(|is_passphrase| {
                self.practice
                    .as_ref()
                    .ok_or_else(|| crate::practice::error::refused("the vault is locked"))?
                    .hand_back(session, is_passphrase, now)
            })
            .map_err(AppError::from);
        match result {
            Ok(true) if self.hand_over().is_some() => {
                self.overlay = Overlay::None;
                self.errors.remove(&ErrorPlace::Passphrase);
                self.autosave(now);
            }
            Ok(true) => {}
            Ok(false) => self.report_at(
                ErrorPlace::Passphrase,
                &refused(
                    "That is not the passphrase. Please give the laptop back to your therapist.",
                ),
            ),
            Err(e) => self.report_at(ErrorPlace::Passphrase, &e),
        }
    }
}
