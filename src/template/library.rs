//! A set of templates loaded from many files: each file parsed on its own, so one broken
//! file is reported and the others still load.

use super::{Problem, Template, TemplateError, locate, parse};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_templates.rs"));
}

/// Templates that loaded, and the problems of those that did not.
#[derive(Clone, Debug, Default)]
pub struct Library {
    /// Loaded templates, with the file each came from, in file-name order.
    pub templates: Vec<(String, Template)>,
    /// One entry per file that did not load.
    pub errors: Vec<TemplateError>,
    /// Ids of the templates that are the practice's own (added by the therapist, kept in
    /// the vault), not shipped with Tandem.
    pub own: Vec<String>,
}

impl Library {
    /// Load from (file name, text) pairs. A template id used by an earlier file makes the
    /// later file an error.
    pub fn from_sources<I, N, T>(sources: I) -> Library
    where
        I: IntoIterator<Item = (N, T)>,
        N: AsRef<str>,
        T: AsRef<str>,
    {
        let mut library = Library::default();
        for (name, text) in sources {
            let (name, text) = (name.as_ref(), text.as_ref());
            match parse(name, text) {
                Ok(template) => {
                    if let Some((first, _)) =
                        library.templates.iter().find(|(_, t)| t.id == template.id)
                    {
                        let (line, col) = locate::find(text, &super::At::Field("id"));
                        library.errors.push(TemplateError {
                            file: name.to_string(),
                            problems: vec![Problem {
                                file: name.to_string(),
                                line,
                                col,
                                message: format!(
                                    "template id {:?} is already used by {first}",
                                    template.id
                                ),
                            }],
                        });
                    } else {
                        library.templates.push((name.to_string(), template));
                    }
                }
                Err(error) => library.errors.push(error),
            }
        }
        library
    }

    /// The protocol library shipped inside the program.
    pub fn builtin() -> Library {
        Library::from_sources(builtin::BUILTIN.iter().copied())
    }

    pub fn get(&self, id: &str) -> Option<&Template> {
        self.templates.iter().map(|(_, t)| t).find(|t| t.id == id)
    }

    /// Add one of the practice's own protocols (already checked), under `label`.
    pub fn add_own(&mut self, label: String, template: Template) {
        self.own.push(template.id.clone());
        self.templates.push((label, template));
    }

    /// Whether `id` is one of the practice's own protocols.
    pub fn is_own(&self, id: &str) -> bool {
        self.own.iter().any(|o| o == id)
    }

    /// Add an error found before parsing (a file that could not be read).
    pub fn push_error(&mut self, error: TemplateError) {
        self.errors.push(error);
    }
}
