//! The vault's error type. Messages name files and record ids, never note text, names or
//! passphrases.

use std::path::PathBuf;

/// Everything that can go wrong in the vault.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("there is no Tandem vault in {0}: create one with `tandem init`")]
    NotAVault(PathBuf),
    #[error("a Tandem vault already exists in {0}")]
    AlreadyExists(PathBuf),
    #[error("{0} is not empty: restore needs a new or empty folder")]
    NotEmpty(PathBuf),
    #[error("wrong passphrase")]
    WrongPassphrase,
    #[error("the passphrase must have at least {0} characters")]
    WeakPassphrase(usize),
    #[error(
        "the vault is open in another Tandem window or process; close it, or open this one read-only"
    )]
    InUse,
    #[error("the vault is open read-only: nothing can be saved")]
    ReadOnly,
    #[error("the vault is locked")]
    Locked,
    #[error("vault format {found} is not supported: this Tandem reads format {supported}")]
    Format { found: u32, supported: u32 },
    #[error("the vault header is damaged: {0}")]
    Header(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{kind} record {id} was not found")]
    NotFound { kind: &'static str, id: uuid::Uuid },
    #[error("{file} is damaged: {reason}")]
    Damaged { file: String, reason: String },
    #[error("encryption failed: {0}")]
    Crypto(String),
    #[error("invalid record: {0}")]
    Invalid(String),
    /// An operation on the vault's keys refused (adding or removing a clinician).
    #[error("{0}")]
    Keys(String),
    /// A file Tandem was asked to write is already there, and was not to be replaced.
    #[error("{0} already exists; it was left as it was")]
    OutputExists(PathBuf),
    #[error("backup refused: {0}")]
    Backup(String),
    #[error(transparent)]
    Input(#[from] super::input::InputError),
}

impl VaultError {
    /// An I/O error with what was being done (paths last).
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        VaultError::Io {
            what: what.into(),
            source,
        }
    }
}

pub type Result<T, E = VaultError> = std::result::Result<T, E>;
