//! Why a practice operation was refused. Messages name records by id and files by path,
//! never a client's words, names or a passphrase.

use crate::export::ExportError;
use crate::runner::RunError;
use crate::runner::takehome::TakeHomeError;
use crate::vault::VaultError;
use crate::vault::takehome::TakeHomeFileError;

use super::job::JobError;

/// Everything a practice operation can refuse with.
#[derive(Debug, thiserror::Error)]
pub enum PracticeError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    WorksheetFile(#[from] TakeHomeFileError),
    #[error(transparent)]
    Worksheet(#[from] TakeHomeError),
    #[error(transparent)]
    Job(#[from] JobError),
    /// A protocol file that does not check out: every problem, by line and column.
    #[error("{}", .0.problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Template(crate::template::TemplateError),
    /// The audit entry could not be written, so the operation did not happen.
    #[error("the audit log could not be written, so this was not done: {0}")]
    AuditFailed(#[source] VaultError),
    /// The unlock could not be logged, so the vault stays locked.
    #[error("the audit log could not be written, so the vault stays locked: {0}")]
    LockedAuditFailed(#[source] VaultError),
    #[error("this vault is open read-only; nothing can be saved")]
    ReadOnly,
    /// A save failed on the save thread.
    #[error("not saved: {0}")]
    NotSaved(String),
    /// The operation does not apply (a plain-words reason, no client text).
    #[error("{0}")]
    Refused(String),
}

/// A refusal in plain words.
pub(crate) fn refused(text: impl Into<String>) -> PracticeError {
    PracticeError::Refused(text.into())
}
