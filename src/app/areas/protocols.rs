//! The protocols screen's and the protocol editor's commands: opening the editor (blank,
//! a copy, one of the practice's own, a template file), changing the draft's steps, undo,
//! the text view, saving to the practice's library, writing a template file, and trying
//! the protocol with a fictional couple.

use crate::app::chooser::PathField;
use crate::app::command::{ErrorPlace, ProtocolCommand};
use crate::app::editor::{self, EditorForm};
use crate::app::forms::{Confirm, Overlay};
use crate::app::state::{AppError, AppState, Screen, refused};
use crate::practice::protocols::Added;
use crate::template::edit;
use crate::vault::LastFolder;
use chrono::{DateTime, Utc};

impl AppState {
    pub(in crate::app) fn apply_protocol(
        &mut self,
        command: ProtocolCommand,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        match command {
            ProtocolCommand::OpenLibrary => {
                if self.live.as_ref().is_some_and(|l| !l.trial) {
                    return Err(refused(
                        "a session is open: close it before going to the protocols",
                    ));
                }
                self.practice()?;
                self.screen = Screen::Protocols;
                Ok(())
            }
            ProtocolCommand::CloseLibrary => {
                self.screen = Screen::Practice;
                Ok(())
            }
            ProtocolCommand::New => {
                let library = self.practice()?.library();
                let id = edit::unused_id("my-protocol", |id| library.get(id).is_some());
                self.open_editor(EditorForm::new(
                    edit::blank(&id),
                    None,
                    "new, not saved yet".into(),
                ));
                Ok(())
            }
            ProtocolCommand::Copy(id) => {
                let library = self.practice()?.library();
                let template = library
                    .get(&id)
                    .ok_or_else(|| refused("that protocol is not in the library"))?;
                let copy = edit::copy_of(template, |id| library.get(id).is_some());
                self.open_editor(EditorForm::new(copy, None, format!("a copy of {id}")));
                Ok(())
            }
            ProtocolCommand::Edit(id) => {
                let library = self.practice()?.library();
                if !library.is_own(&id) {
                    return Err(refused(
                        "protocols shipped with Tandem are not changed: copy it to make your own",
                    ));
                }
                let template = library
                    .get(&id)
                    .ok_or_else(|| refused("that protocol is not in the library"))?
                    .clone();
                self.open_editor(EditorForm::new(
                    template.clone(),
                    Some(template),
                    "the practice's own".into(),
                ));
                Ok(())
            }
            ProtocolCommand::OpenFile => self.open_protocol_file(),
            ProtocolCommand::ChooseFile => {
                let typed = self.forms.protocol_file.clone();
                self.open_chooser(PathField::ProtocolFile, &typed, LastFolder::Exports)
            }
            ProtocolCommand::AskToRemove(id) => {
                self.overlay.clear_secrets();
                self.overlay = Overlay::Confirm(Confirm::RemoveProtocol(id));
                Ok(())
            }
            ProtocolCommand::Remove(id) => {
                self.overlay = Overlay::None;
                self.practice_mut()?.remove_protocol(&id, now)?;
                self.tell(format!(
                    "{id} is out of the library; the sessions that ran it keep it."
                ));
                Ok(())
            }
            ProtocolCommand::SelectStep(path) => {
                let form = self.editor()?;
                form.commit();
                form.selected = path.filter(|p| edit::step_at(&form.draft.steps, p).is_some());
                Ok(())
            }
            ProtocolCommand::AddStep { kind, inside } => {
                let form = self.editor()?;
                let after = form.selected.clone();
                let added = form.change(|t| edit::insert_step(t, after.as_deref(), inside, &kind));
                form.selected = Some(added.ok_or_else(|| refused("no such kind of step"))?);
                form.focus_first = true;
                Ok(())
            }
            ProtocolCommand::MoveStep { up } => {
                let form = self.editor()?;
                let path = form
                    .selected
                    .clone()
                    .ok_or_else(|| refused("select a step first"))?;
                let moved = form.change(|t| edit::move_step(t, &path, up));
                form.selected = Some(moved.ok_or_else(|| {
                    refused(if up {
                        "it is the first step of its list"
                    } else {
                        "it is the last step of its list"
                    })
                })?);
                Ok(())
            }
            ProtocolCommand::DuplicateStep => {
                let form = self.editor()?;
                let path = form
                    .selected
                    .clone()
                    .ok_or_else(|| refused("select a step first"))?;
                form.selected = form.change(|t| edit::duplicate_step(t, &path));
                Ok(())
            }
            ProtocolCommand::RemoveStep => {
                let form = self.editor()?;
                let path = form
                    .selected
                    .clone()
                    .ok_or_else(|| refused("select a step first"))?;
                form.change(|t| edit::remove_step(t, &path));
                form.selected = None;
                Ok(())
            }
            ProtocolCommand::Undo => {
                if !self.editor()?.undo() {
                    return Err(refused("nothing to undo"));
                }
                Ok(())
            }
            ProtocolCommand::Redo => {
                if !self.editor()?.redo() {
                    return Err(refused("nothing to redo"));
                }
                Ok(())
            }
            ProtocolCommand::ShowText(show) => {
                let form = self.editor()?;
                if !show && !form.text_problems.is_empty() {
                    return Err(refused(
                        "the text does not read yet: mend the slips listed above it first",
                    ));
                }
                form.commit();
                form.text_mode = show;
                form.sync_text();
                Ok(())
            }
            ProtocolCommand::Preview(kind) => {
                self.editor()?.preview = kind;
                Ok(())
            }
            ProtocolCommand::Save => self.save_protocol(now),
            ProtocolCommand::WriteFile => self.write_protocol_file(),
            ProtocolCommand::ChooseFolder => {
                let typed = self.editor()?.folder.clone();
                self.open_chooser(PathField::ProtocolFolder, &typed, LastFolder::Exports)
            }
            ProtocolCommand::TryIt => self.try_protocol(now),
            ProtocolCommand::Close => {
                let form = self.editor()?;
                form.commit();
                if form.is_changed() {
                    self.overlay = Overlay::Confirm(Confirm::DiscardProtocol);
                    return Ok(());
                }
                self.close_editor();
                Ok(())
            }
            ProtocolCommand::Discard => {
                self.overlay = Overlay::None;
                self.close_editor();
                Ok(())
            }
        }
    }

    fn editor(&mut self) -> Result<&mut EditorForm, AppError> {
        self.forms
            .editor
            .as_mut()
            .ok_or_else(|| refused("the protocol editor is not open"))
    }

    fn open_editor(&mut self, form: EditorForm) {
        self.forms.editor = Some(form);
        self.screen = Screen::Editor;
        self.errors.remove(&ErrorPlace::Editor);
        self.errors.remove(&ErrorPlace::EditorFolder);
    }

    fn close_editor(&mut self) {
        self.forms.editor = None;
        self.screen = Screen::Protocols;
    }

    /// Open the template file named in the protocols screen's field: a file that reads
    /// opens in the forms with its problems beside their fields; one that does not read
    /// opens as text with its slips at line and column.
    fn open_protocol_file(&mut self) -> Result<(), AppError> {
        self.practice()?;
        let typed = self.forms.protocol_file.trim().to_string();
        if typed.is_empty() {
            return Err(refused("type or choose a template file first"));
        }
        let path = std::path::PathBuf::from(&typed);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| typed.clone());
        let text = crate::vault::templates::read_template_file(&path)
            .map_err(|e| refused(&format!("{name} could not be read: {e}")))?;
        let origin = format!("from {name}");
        match edit::read_for_editing(&name, &text) {
            Ok((template, _)) => {
                let saved = self
                    .practice()?
                    .library()
                    .get(&template.id)
                    .filter(|t| **t == template)
                    .cloned();
                self.open_editor(EditorForm::new(template, saved, origin));
            }
            Err(error) => {
                let mut form = EditorForm::new(
                    edit::blank(&name.trim_end_matches(".ron").to_lowercase()),
                    None,
                    origin,
                );
                form.text_mode = true;
                form.text = text;
                form.text_problems = error.problems;
                self.open_editor(form);
            }
        }
        Ok(())
    }

    fn save_protocol(&mut self, now: DateTime<Utc>) -> Result<(), AppError> {
        let form = self.editor()?;
        form.commit();
        if form.text_mode && !form.text_problems.is_empty() {
            return Err(refused("the text does not read yet: mend the slips first"));
        }
        let draft = form.draft.clone();
        let problems = edit::findings(&draft).len();
        if problems > 0 {
            return Err(refused(&format!(
                "{problems} problem{} to fix first: each is shown beside its field, and its step is marked in the list",
                if problems == 1 { "" } else { "s" }
            )));
        }
        let text = edit::to_ron(&draft).map_err(|e| refused(&e))?;
        let file = format!("{}.ron", draft.id);
        let added = self.practice_mut()?.add_protocol(&file, &text, now)?;
        if let Some(form) = self.forms.editor.as_mut() {
            form.saved = Some(draft.clone());
            form.origin = "the practice's own".into();
        }
        self.tell(match added {
            Added::New { id, .. } => format!(
                "{id} is in the practice's protocols: start it from a couple's page (New session)."
            ),
            Added::Replaced { id, .. } => {
                format!("{id} saved as a new version; sessions that ran the earlier one keep it.")
            }
            Added::Unchanged { id } => format!("{id} is saved already, as it is."),
        });
        Ok(())
    }

    fn write_protocol_file(&mut self) -> Result<(), AppError> {
        let form = self.editor()?;
        form.commit();
        let draft = form.draft.clone();
        let folder = form.folder.trim().to_string();
        if folder.is_empty() {
            return Err(AppError::at(
                ErrorPlace::EditorFolder,
                "type or choose a folder first",
            ));
        }
        if !edit::findings(&draft).is_empty() {
            return Err(refused("fix the problems shown beside their fields first"));
        }
        let text = edit::to_ron(&draft).map_err(|e| refused(&e))?;
        let path = std::path::Path::new(&folder).join(format!("{}.ron", draft.id));
        crate::vault::templates::write_template_file(&path, &text)
            .map_err(|e| AppError::at(ErrorPlace::EditorFolder, e))?;
        self.tell(format!("Written: {}", path.display()));
        Ok(())
    }

    fn try_protocol(&mut self, now: DateTime<Utc>) -> Result<(), AppError> {
        if self.live.as_ref().is_some_and(|l| !l.trial) {
            return Err(refused(
                "a session is open: close it before trying a protocol",
            ));
        }
        let form = self.editor()?;
        form.commit();
        if !edit::findings(&form.draft).is_empty() {
            return Err(refused("fix the problems shown beside their fields first"));
        }
        let live = editor::trial(&form.draft, None, now).map_err(|e| refused(&e))?;
        self.live = Some(live);
        self.screen = Screen::Session;
        self.forms.review_closed = true;
        Ok(())
    }
}
