//! The system's own file chooser for the dialogs' folder and file fields ("Choose
//! folder…", "Choose file…"), through the XDG desktop portal (rfd). The chooser runs on a
//! `practice::Job` of its own, so the window keeps drawing while it is open; the typed
//! field stays the fallback and works all the while.
//!
//! rfd answers "nothing" alike when the person cancels and when no chooser could be shown
//! (no portal, no D-Bus, no zenity: it gives up within milliseconds). A chooser that
//! answers nothing almost at once was never seen by anyone, so that is said beside the
//! field; one that answers nothing after a while was cancelled, and nothing is said.
//! Never a network access: the portal is a local D-Bus service.

use crate::practice::{Job, JobError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Below this, an empty answer means no chooser was shown: nobody cancels that fast.
pub const NO_CHOOSER_WITHIN: Duration = Duration::from_secs(1);

/// How the "Choose…" buttons ask for a path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum FileChooser {
    /// The desktop's own dialog (the XDG desktop portal, through rfd).
    #[default]
    System,
    /// A stand-in that answers at once, for tests: with this path, or with nothing as a
    /// system without a portal does.
    Answering(Option<PathBuf>),
}

/// Which field of which dialog a chooser fills in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathField {
    /// The export dialog's folder.
    ExportFolder,
    /// The take-home dialog's folder for a worksheet file to give.
    TakeHomeFolder,
    /// The take-home dialog's filled worksheet file to bring back.
    WorksheetFile,
    /// A template file to open in the protocol editor.
    ProtocolFile,
    /// The folder the protocol editor writes a template file into.
    ProtocolFolder,
}

impl PathField {
    /// Where an error about this field is shown.
    pub fn error_place(self) -> super::command::ErrorPlace {
        use super::command::ErrorPlace;
        match self {
            PathField::ExportFolder => ErrorPlace::ExportFolder,
            PathField::TakeHomeFolder => ErrorPlace::TakeHomeFolder,
            PathField::WorksheetFile => ErrorPlace::TakeHomeFile,
            PathField::ProtocolFile => ErrorPlace::Protocols,
            PathField::ProtocolFolder => ErrorPlace::EditorFolder,
        }
    }

    /// The chooser window's title.
    fn title(self) -> &'static str {
        match self {
            PathField::ExportFolder => "Tandem: folder for the PDF",
            PathField::TakeHomeFolder => "Tandem: folder for the worksheet file",
            PathField::WorksheetFile => "Tandem: the filled worksheet file",
            PathField::ProtocolFile => "Tandem: a template file to open",
            PathField::ProtocolFolder => "Tandem: folder for the template file",
        }
    }

    /// What the field holds, in the message said when no chooser could be shown.
    fn what(self) -> &'static str {
        match self {
            PathField::ExportFolder | PathField::TakeHomeFolder | PathField::ProtocolFolder => {
                "folder"
            }
            PathField::WorksheetFile | PathField::ProtocolFile => "file's path",
        }
    }
}

/// What a chooser answered, and how long it took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chosen {
    pub path: Option<PathBuf>,
    pub took: Duration,
}

/// A chooser open for a field.
pub struct ChooserJob {
    pub field: PathField,
    pub job: Job<Chosen, JobError>,
}

/// Open a chooser for `field` on a job of its own, starting in `start` if given.
pub fn open(chooser: &FileChooser, field: PathField, start: Option<&Path>) -> ChooserJob {
    let chooser = chooser.clone();
    let start = start.map(Path::to_path_buf);
    let job = Job::spawn("chooser", move |_| {
        let began = Instant::now();
        let path = match chooser {
            FileChooser::System => ask_system(field, start),
            FileChooser::Answering(path) => path,
        };
        Ok(Chosen {
            path,
            took: began.elapsed(),
        })
    });
    ChooserJob { field, job }
}

/// The portal's dialog (blocking: this runs on the chooser's own thread).
fn ask_system(field: PathField, start: Option<PathBuf>) -> Option<PathBuf> {
    let mut dialog = rfd::FileDialog::new().set_title(field.title());
    if let Some(start) = start {
        dialog = dialog.set_directory(start);
    }
    match field {
        PathField::ExportFolder | PathField::TakeHomeFolder | PathField::ProtocolFolder => {
            dialog.pick_folder()
        }
        PathField::ProtocolFile => dialog.add_filter("Protocol template", &["ron"]).pick_file(),
        PathField::WorksheetFile => dialog
            .add_filter(
                "Take-home worksheet",
                &[crate::vault::takehome::TAKE_HOME_EXTENSION],
            )
            .pick_file(),
    }
}

/// What a chooser's answer means for its field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Put this path into the field.
    Path(PathBuf),
    /// The person closed the chooser without choosing: nothing to say.
    Cancelled,
    /// No chooser could be shown, or it failed: said beside the field.
    Unavailable(String),
}

/// Read a chooser's outcome.
pub fn answer(field: PathField, outcome: Result<Chosen, JobError>) -> Answer {
    let typed = format!("type the {} into the field instead", field.what());
    match outcome {
        Ok(Chosen {
            path: Some(path), ..
        }) => Answer::Path(path),
        Ok(Chosen { path: None, took }) if took < NO_CHOOSER_WITHIN => {
            Answer::Unavailable(format!(
                "No file chooser could be opened on this system (no desktop portal answered): {typed}."
            ))
        }
        Ok(Chosen { path: None, .. }) => Answer::Cancelled,
        Err(e) => Answer::Unavailable(format!("The file chooser failed ({e}): {typed}.")),
    }
}

/// The folder a chooser starts in: the one typed, else the remembered one.
pub fn start_folder(typed: &str, remembered: Option<&Path>) -> Option<PathBuf> {
    let typed = typed.trim();
    if typed.is_empty() {
        remembered.map(Path::to_path_buf)
    } else {
        Some(PathBuf::from(typed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chosen(path: Option<&str>, millis: u64) -> Result<Chosen, JobError> {
        Ok(Chosen {
            path: path.map(PathBuf::from),
            took: Duration::from_millis(millis),
        })
    }

    #[test]
    fn an_empty_answer_at_once_means_no_chooser_and_a_later_one_a_cancel() {
        let field = PathField::ExportFolder;
        assert_eq!(
            answer(field, chosen(Some("/home/me/out"), 3)),
            Answer::Path(PathBuf::from("/home/me/out"))
        );
        let Answer::Unavailable(text) = answer(field, chosen(None, 3)) else {
            panic!("an empty answer within milliseconds is no chooser")
        };
        assert!(text.contains("type the folder"), "{text}");
        assert_eq!(answer(field, chosen(None, 4000)), Answer::Cancelled);
        let Answer::Unavailable(text) = answer(PathField::WorksheetFile, Err(JobError::Stopped))
        else {
            panic!("a chooser that stopped is said")
        };
        assert!(text.contains("type the file's path"), "{text}");
    }

    #[test]
    fn a_chooser_starts_in_the_typed_folder_else_the_remembered_one() {
        let remembered = Path::new("/srv/exports");
        assert_eq!(
            start_folder("  /tmp/x ", Some(remembered)),
            Some(PathBuf::from("/tmp/x"))
        );
        assert_eq!(
            start_folder(" ", Some(remembered)),
            Some(remembered.to_path_buf())
        );
        assert_eq!(start_folder("", None), None);
    }

    #[test]
    fn the_stand_in_chooser_answers_on_its_job() {
        let path = PathBuf::from("/tmp/chosen");
        let mut opened = open(
            &FileChooser::Answering(Some(path.clone())),
            PathField::TakeHomeFolder,
            None,
        );
        let outcome = opened.job.wait(Duration::from_secs(10)).expect("answered");
        assert_eq!(answer(opened.field, outcome), Answer::Path(path));
    }
}
