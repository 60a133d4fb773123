//! The sync conflicts screen's commands: reading the conflicts, showing one side by side,
//! choosing part by part, and settling it (the practice logs it first).

use crate::app::command::SyncCommand;
use crate::app::state::{AppError, AppState, Screen, refused};
use crate::practice::sync::merged;
use crate::vault::conflicts::Resolution;
use chrono::{DateTime, Utc};

impl AppState {
    pub(in crate::app) fn apply_sync(
        &mut self,
        command: SyncCommand,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        match command {
            SyncCommand::Open => {
                if self.live.as_ref().is_some_and(|l| !l.trial) {
                    return Err(refused(
                        "a session is open: close it before settling sync conflicts",
                    ));
                }
                let list = self.practice()?.conflicts()?;
                let form = &mut self.forms.conflicts;
                form.selected = form
                    .selected
                    .take()
                    .filter(|s| list.iter().any(|c| c.copy == *s))
                    .or_else(|| list.first().map(|c| c.copy.clone()));
                form.take_other.clear();
                form.list = list;
                self.screen = Screen::Conflicts;
                Ok(())
            }
            SyncCommand::Close => {
                self.screen = Screen::Practice;
                Ok(())
            }
            SyncCommand::Select(copy) => {
                let form = &mut self.forms.conflicts;
                if !form.list.iter().any(|c| c.copy == copy) {
                    return Err(refused("that conflict is no longer there"));
                }
                form.selected = Some(copy);
                form.take_other.clear();
                Ok(())
            }
            SyncCommand::Take { part, other } => {
                let form = &mut self.forms.conflicts;
                if other {
                    form.take_other.insert(part);
                } else {
                    form.take_other.remove(&part);
                }
                Ok(())
            }
            SyncCommand::KeepCurrent => self.settle(Some(Resolution::KeepCurrent), now),
            SyncCommand::KeepOther => self.settle(Some(Resolution::KeepOther), now),
            SyncCommand::Merge => self.settle(None, now),
        }
    }

    /// Settle the shown conflict (`None`: the merge as chosen), then read the conflicts
    /// and the open couple's page again.
    fn settle(
        &mut self,
        resolution: Option<Resolution>,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let form = &self.forms.conflicts;
        let conflict = form
            .selected
            .as_ref()
            .and_then(|s| form.list.iter().find(|c| c.copy == *s))
            .cloned()
            .ok_or_else(|| refused("choose a conflict first"))?;
        let resolution = match resolution {
            Some(r) => r,
            None => {
                Resolution::Merged(Box::new(merged(&conflict, &form.take_other).ok_or_else(
                    || refused("these two versions are kept whole: keep one of them"),
                )?))
            }
        };
        let practice = self.practice_mut()?;
        practice.resolve_conflict(&conflict, &resolution, now)?;
        let list = practice.conflicts()?;
        let form = &mut self.forms.conflicts;
        form.selected = list.first().map(|c| c.copy.clone());
        form.take_other.clear();
        form.list = list;
        // The open couple's page shows the record as it now is.
        if let Some(id) = self.couple.as_ref().map(|r| r.couple.id) {
            self.couple = None;
            self.select_couple(Some(id), now)?;
        }
        self.tell(format!(
            "Settled: {} ({}). Both versions are kept; the audit log says so.",
            conflict.kind.name(),
            resolution.name()
        ));
        Ok(())
    }
}
