//! The practice screen's commands: opening a couple's page, the couple editor, the
//! protocol picker, the page's tabs, search and the status line.

use crate::app::command::{ErrorPlace, PracticeCommand};
use crate::app::forms::{Found, Overlay};
use crate::app::state::{AppError, AppState, Screen, refused};
use crate::model::CoupleId;
use crate::practice::CoupleInput;
use chrono::{DateTime, Utc};

impl AppState {
    pub(in crate::app) fn apply_practice(
        &mut self,
        command: PracticeCommand,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        match command {
            PracticeCommand::SelectCouple(id) => {
                self.select_couple(id, now)?;
                if matches!(self.screen, Screen::ChooseTemplate(_)) {
                    self.screen = Screen::Practice;
                }
                Ok(())
            }
            PracticeCommand::EditCouple(id) => {
                let practice = self.practice()?;
                let input = match id {
                    Some(id) => CoupleInput::of(
                        self.couple_by_id(id)
                            .ok_or_else(|| refused("that couple is not in this vault"))?,
                    ),
                    None => CoupleInput {
                        code: practice.next_code(),
                        ..CoupleInput::default()
                    },
                };
                self.forms.couple = Some(input);
                Ok(())
            }
            PracticeCommand::CancelEdit => {
                self.forms.couple = None;
                Ok(())
            }
            PracticeCommand::SaveCouple(input) => self.save_couple(&input, now),
            PracticeCommand::ChooseTemplate(couple) => {
                self.select_couple(Some(couple), now)?;
                self.forms.template = None;
                self.screen = Screen::ChooseTemplate(couple);
                Ok(())
            }
            PracticeCommand::ShowTab(tab) => {
                self.forms.tab = tab;
                Ok(())
            }
            PracticeCommand::SafetyDetails(show) => {
                let couple = self.page_couple().map(|c| c.id);
                if show && couple.is_none() {
                    return Err(refused("open the couple's page first"));
                }
                self.forms.safety_details = couple.filter(|_| show);
                Ok(())
            }
            PracticeCommand::Search(query) => self.search(&query, now),
            PracticeCommand::DismissStatus => {
                self.status = None;
                Ok(())
            }
            PracticeCommand::ShowShortcuts => {
                self.overlay = match self.overlay {
                    Overlay::Shortcuts => Overlay::None,
                    // Never over a partner's screen or a hidden one.
                    Overlay::HandOver(_) | Overlay::Hidden => return Ok(()),
                    _ => Overlay::Shortcuts,
                };
                Ok(())
            }
            PracticeCommand::CloseDialog => {
                if matches!(self.overlay, Overlay::Confirm(_) | Overlay::Shortcuts) {
                    self.overlay = Overlay::None;
                }
                Ok(())
            }
            PracticeCommand::ShowCouples(shown) => {
                self.forms.couples_hidden = !shown;
                Ok(())
            }
            PracticeCommand::SetAppearance(appearance) => {
                Ok(self.practice_mut()?.set_appearance(appearance, now)?)
            }
            PracticeCommand::SetDateStyle(style) => {
                Ok(self.practice_mut()?.set_date_style(style, now)?)
            }
        }
    }

    /// Open a couple's page (its record is read, and logged, once; selecting the same
    /// couple again keeps the record as it is in memory) or close it (`None`).
    pub(in crate::app) fn select_couple(
        &mut self,
        id: Option<CoupleId>,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let Some(id) = id else {
            self.couple = None;
            return Ok(());
        };
        if self.couple.as_ref().is_some_and(|r| r.couple.id == id) {
            return Ok(());
        }
        let mut record = self.practice_mut()?.open_couple(id, now)?;
        if let Some(live) = self.live.as_ref().filter(|l| l.couple.id == id) {
            let library = self.practice()?.library();
            record.put_session(live.runner.session().clone(), library);
        }
        let unreadable = record.unreadable;
        self.couple = Some(record);
        if unreadable.notes > 0 {
            self.tell(format!(
                "{} of this couple's notes could not be opened and were set aside",
                unreadable.notes
            ));
        }
        if unreadable.sessions > 0 {
            self.tell(format!(
                "{} of this couple's sessions could not be opened and were set aside",
                unreadable.sessions
            ));
        }
        // Custody changes are recorded by the clinician: offer the name from settings.
        if self.forms.recovery.custody.recorded_by.is_empty() {
            self.forms.recovery.custody.recorded_by =
                self.practice()?.vault().header().clinician_name.clone();
        }
        Ok(())
    }

    fn save_couple(&mut self, input: &CoupleInput, now: DateTime<Utc>) -> Result<(), AppError> {
        let couple = self.practice_mut()?.save_couple(input, now)?;
        self.forms.couple = None;
        if let Some(record) = self.couple.as_mut().filter(|r| r.couple.id == couple.id) {
            record.couple = couple.clone();
        }
        if let Some(live) = self.live.as_mut().filter(|l| l.couple.id == couple.id) {
            live.couple = couple.clone();
        }
        self.select_couple(Some(couple.id), now)?;
        if input.id.is_none() {
            self.tell("Next: each partner's private safety screen. Joint protocols open once both are recorded and you have decided.");
        }
        Ok(())
    }

    /// Search every record; an empty query clears the results. While the search index is
    /// still loading (just after unlock), the query waits and runs once it has loaded.
    fn search(&mut self, query: &str, now: DateTime<Utc>) -> Result<(), AppError> {
        let query = query.trim();
        if query.is_empty() {
            self.forms.found = None;
            self.forms.waiting_query = None;
            return Ok(());
        }
        match self.practice_mut()?.search(query, None, now)? {
            Some(found) => {
                self.forms.waiting_query = None;
                if found.unsearched > 0 {
                    self.tell(format!(
                        "{} could not be searched: see the practice page",
                        crate::model::plural(found.unsearched, "file", "files")
                    ));
                }
                self.forms.found = Some(Found::of(query, found.results));
            }
            None => self.forms.waiting_query = Some(query.to_string()),
        }
        Ok(())
    }

    /// The search index, once it has loaded: run the search that was waiting for it.
    pub(in crate::app) fn poll_search(&mut self, now: DateTime<Utc>) {
        let Some(loaded) = self.practice.as_mut().and_then(|p| p.poll_search()) else {
            return;
        };
        if let Err(e) = loaded {
            self.forms.waiting_query = None;
            return self.report_at(ErrorPlace::Search, &AppError::from(e));
        }
        if let Some(query) = self.forms.waiting_query.take()
            && let Err(e) = self.search(&query, now)
        {
            self.report_at(ErrorPlace::Search, &e);
        }
    }
}
