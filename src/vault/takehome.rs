//! Take-home worksheet files on disk: sealed with the passphrase the therapist gives the
//! couple (age's scrypt at a pinned work factor), written whole (temp file, fsync,
//! rename, owner-only), read back with a size cap and checked before anything is
//! believed. Also the vault's records of the worksheets it issued.

use super::crypto::{MAX_LOG_N, seal_with_passphrase};
use super::error::VaultError;
use super::exports::IfExists;
use super::{RecordBody, RecordKind, Vault};
use crate::model::{IssuedWorksheet, TAKE_HOME_FORMAT, TAKE_HOME_MAGIC, TakeHomeFile, WorksheetId};
use secrecy::SecretString;
use std::io::Read;
use std::path::Path;

/// Largest take-home file Tandem opens: a filled worksheet is a few KiB (its protocol,
/// the couple's answers and list); 16 MiB leaves room for long answers and refuses a
/// file that would only fill memory.
pub const MAX_TAKE_HOME_BYTES: u64 = 16 * 1024 * 1024;
/// The file name ending offered for take-home worksheets.
pub const TAKE_HOME_EXTENSION: &str = "tandem-worksheet";

/// Why a take-home file could not be read or written. Messages never hold answers.
#[derive(Debug, thiserror::Error)]
pub enum TakeHomeFileError {
    #[error("that is not this worksheet's passphrase")]
    WrongPassphrase,
    #[error("this is not a Tandem worksheet file: {0}")]
    NotAWorksheet(String),
    #[error("the worksheet file is damaged or was altered outside Tandem: {0}")]
    Damaged(String),
    #[error(
        "the worksheet file is format {0}, which this Tandem cannot read (it reads {TAKE_HOME_FORMAT})"
    )]
    Format(u32),
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// Seal `file` with `passphrase` and write it to `path` whole, replacing what was there
/// only once the new file is complete (the fill window saving into the file it opened).
pub fn write_take_home(
    path: &Path,
    file: &TakeHomeFile,
    passphrase: &SecretString,
    log_n: u8,
) -> Result<(), TakeHomeFileError> {
    write_take_home_as(path, file, passphrase, log_n, IfExists::Replace)
}

/// As `write_take_home`, over an existing file only if `if_exists` says so (a worksheet
/// being issued).
pub fn write_take_home_as(
    path: &Path,
    file: &TakeHomeFile,
    passphrase: &SecretString,
    log_n: u8,
    if_exists: IfExists,
) -> Result<(), TakeHomeFileError> {
    let text = ron::to_string(file)
        .map_err(|_| VaultError::Invalid("the worksheet could not be written as RON".into()))?;
    let sealed = seal_with_passphrase(text.as_bytes(), passphrase, log_n)?;
    super::exports::write_export(path, &sealed, if_exists)?;
    Ok(())
}

/// Read and open a take-home file, refusing anything that is not a whole, unaltered
/// worksheet of a format this build reads.
pub fn read_take_home(
    path: &Path,
    passphrase: &SecretString,
) -> Result<TakeHomeFile, TakeHomeFileError> {
    let bytes = read_capped(path)?;
    open_take_home(&bytes, passphrase)
}

/// Open the bytes of a take-home file (see `read_take_home`).
pub fn open_take_home(
    sealed: &[u8],
    passphrase: &SecretString,
) -> Result<TakeHomeFile, TakeHomeFileError> {
    let decryptor = age::Decryptor::new_buffered(sealed)
        .map_err(|_| TakeHomeFileError::NotAWorksheet("it is not an encrypted worksheet".into()))?;
    if !decryptor.is_scrypt() {
        return Err(TakeHomeFileError::NotAWorksheet(
            "it is not protected by a passphrase".into(),
        ));
    }
    let mut identity = age::scrypt::Identity::new(passphrase.clone());
    identity.set_max_work_factor(MAX_LOG_N);
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::DecryptionFailed | age::DecryptError::KeyDecryptionFailed => {
                TakeHomeFileError::WrongPassphrase
            }
            age::DecryptError::ExcessiveWork { .. } => TakeHomeFileError::Damaged(
                "it asks for more work to open than Tandem allows".into(),
            ),
            age::DecryptError::InvalidMac => {
                TakeHomeFileError::Damaged("its header was altered".into())
            }
            _ => TakeHomeFileError::Damaged("its header is not readable".into()),
        })?;
    let mut plain = Vec::new();
    reader
        .read_to_end(&mut plain)
        .map_err(|_| TakeHomeFileError::Damaged("its content was altered or cut short".into()))?;
    parse_take_home(&plain)
}

/// The parse step of `open_take_home`: the decrypted bytes of a take-home file read as a
/// worksheet and checked (UTF-8, RON with a recursion limit, magic, format). Public so
/// that the fuzz target `takehome_read` reaches it without the passphrase's scrypt.
pub fn parse_take_home(plain: &[u8]) -> Result<TakeHomeFile, TakeHomeFileError> {
    let text = std::str::from_utf8(plain)
        .map_err(|_| TakeHomeFileError::Damaged("its content is not text".into()))?;
    // Format 2, from the browser page, is JSON: an object, where a RON file is a tuple.
    if text.trim_start().starts_with('{') {
        return parse_web_worksheet(text);
    }
    let options = ron::Options::default().with_recursion_limit(64);
    let file: TakeHomeFile = options.from_str(text).map_err(|e| {
        if text.contains(TAKE_HOME_MAGIC) {
            TakeHomeFileError::Damaged(super::record::describe_parse_error(&e))
        } else {
            TakeHomeFileError::NotAWorksheet("it holds something else".into())
        }
    })?;
    if file.magic != TAKE_HOME_MAGIC {
        return Err(TakeHomeFileError::NotAWorksheet(
            "it holds something else".into(),
        ));
    }
    if file.format != TAKE_HOME_FORMAT {
        return Err(TakeHomeFileError::Format(file.format));
    }
    Ok(file)
}

/// A format-2 worksheet (JSON, the browser page's) read as the same `TakeHomeFile`.
fn parse_web_worksheet(text: &str) -> Result<TakeHomeFile, TakeHomeFileError> {
    use crate::model::worksheet_json::{WebWorksheet, WebWorksheetError};
    let web: WebWorksheet = serde_json::from_str(text).map_err(|e| {
        if text.contains(TAKE_HOME_MAGIC) {
            TakeHomeFileError::Damaged(format!(
                "it does not read as a worksheet (line {}, column {})",
                e.line(),
                e.column()
            ))
        } else {
            TakeHomeFileError::NotAWorksheet("it holds something else".into())
        }
    })?;
    web.into_file().map_err(|e| match e {
        WebWorksheetError::NotAWorksheet => {
            TakeHomeFileError::NotAWorksheet("it holds something else".into())
        }
        WebWorksheetError::Format(format) => TakeHomeFileError::Format(format),
        WebWorksheetError::Answer { .. } => TakeHomeFileError::Damaged(e.to_string()),
    })
}

/// Seal a worksheet for the browser page: its JSON (format 2) with the passphrase, as the
/// bytes a page embeds and a `.tandem-worksheet` file holds.
pub fn seal_web_worksheet(
    web: &crate::model::worksheet_json::WebWorksheet,
    passphrase: &SecretString,
    log_n: u8,
) -> Result<Vec<u8>, TakeHomeFileError> {
    let text = serde_json::to_string(web)
        .map_err(|_| VaultError::Invalid("the worksheet could not be written as JSON".into()))?;
    Ok(seal_with_passphrase(text.as_bytes(), passphrase, log_n)?)
}

/// The worksheet page (`web/`, built by `npm run build` and committed): one HTML file with
/// its script and style inline and a Content-Security-Policy that allows no request. Its
/// two markers take the sealed worksheet (base64) and the file name's stem.
pub const WORKSHEET_PAGE: &str = include_str!("../../web/dist/worksheet.html");
const PAGE_WORKSHEET_MARKER: &str = "__TANDEM_WORKSHEET__";
const PAGE_FILE_MARKER: &str = "__TANDEM_FILE__";

/// The worksheet page holding `sealed` (a sealed format-2 worksheet); `stem` names the
/// file the page saves the answers to (`STEM-answers.tandem-worksheet`).
pub fn worksheet_page(sealed: &[u8], stem: &str) -> Result<String, TakeHomeFileError> {
    use base64::Engine as _;
    if WORKSHEET_PAGE.matches(PAGE_WORKSHEET_MARKER).count() != 1
        || WORKSHEET_PAGE.matches(PAGE_FILE_MARKER).count() != 1
    {
        return Err(
            VaultError::Invalid("the worksheet page in this build is damaged".into()).into(),
        );
    }
    // Inside an attribute: only letters, digits, '-', '_' and '.' are kept.
    let stem: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let payload = base64::engine::general_purpose::STANDARD.encode(sealed);
    Ok(WORKSHEET_PAGE
        .replacen(PAGE_WORKSHEET_MARKER, &payload, 1)
        .replacen(PAGE_FILE_MARKER, &stem, 1))
}

/// Seal a format-2 worksheet and write the worksheet page holding it to `path` (whole or
/// not at all; over an existing file only if `if_exists` says so).
pub fn write_take_home_page(
    path: &Path,
    web: &crate::model::worksheet_json::WebWorksheet,
    passphrase: &SecretString,
    log_n: u8,
    if_exists: IfExists,
) -> Result<(), TakeHomeFileError> {
    let sealed = seal_web_worksheet(web, passphrase, log_n)?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "worksheet".into());
    let page = worksheet_page(&sealed, &stem)?;
    super::exports::write_export(path, page.as_bytes(), if_exists)?;
    Ok(())
}

fn read_capped(path: &Path) -> Result<Vec<u8>, TakeHomeFileError> {
    match super::input::read_regular(path, "worksheet file", MAX_TAKE_HOME_BYTES) {
        Ok((bytes, _)) => Ok(bytes),
        Err(e @ super::input::InputError::TooLarge { .. }) => {
            Err(TakeHomeFileError::NotAWorksheet(e.reason()))
        }
        Err(e) => Err(VaultError::from(e).into()),
    }
}

/// A random secret for a new worksheet, as hex.
pub fn new_token() -> String {
    use std::fmt::Write as _;
    // An age identity is 32 bytes from the operating system's generator: hash its text
    // to get a token that says nothing about any key.
    let identity = super::crypto::generate_identity();
    let secret = secrecy::ExposeSecret::expose_secret(&identity.to_string()).to_string();
    let digest = <sha2::Sha256 as sha2::Digest>::digest(secret.as_bytes());
    digest.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

impl Vault {
    /// The record of a worksheet this practice issued, or `None` if it never issued one
    /// with this id. A damaged record is set aside by `load` and its error returned.
    pub fn issued_worksheet(&self, id: WorksheetId) -> Result<Option<IssuedWorksheet>, VaultError> {
        match self.load(RecordKind::Worksheet, id.0) {
            Ok(RecordBody::Worksheet(w)) => Ok(Some(w)),
            Ok(_) => Err(VaultError::Invalid("not a worksheet record".into())),
            Err(VaultError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Bindings, WorksheetFor};
    use chrono::TimeZone;

    fn file() -> TakeHomeFile {
        TakeHomeFile {
            magic: TAKE_HOME_MAGIC.into(),
            format: TAKE_HOME_FORMAT,
            id: WorksheetId(uuid::Uuid::from_u128(7)),
            token: "0a1b".repeat(16),
            practice: "P".into(),
            template_source: "()".into(),
            for_whom: WorksheetFor::Couple,
            bindings: Bindings::default(),
            name_a: "A".into(),
            name_b: "B".into(),
            issued_at: chrono::Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            filled_at: None,
            answers: Default::default(),
            list_so_far: Vec::new(),
        }
    }

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_string())
    }

    #[test]
    fn a_worksheet_file_round_trips_with_its_passphrase_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.tandem-worksheet");
        write_take_home(&path, &file(), &secret("kitchen table"), 10).unwrap();
        assert_eq!(
            read_take_home(&path, &secret("kitchen table")).unwrap(),
            file()
        );
        assert!(matches!(
            read_take_home(&path, &secret("kitchen tablE")),
            Err(TakeHomeFileError::WrongPassphrase)
        ));
    }

    #[test]
    fn a_flipped_byte_or_a_cut_file_is_refused_as_damaged() {
        let sealed = {
            let text = ron::to_string(&file()).unwrap();
            seal_with_passphrase(text.as_bytes(), &secret("kitchen table"), 10).unwrap()
        };
        let mut flipped = sealed.clone();
        let last = flipped.len() - 5;
        flipped[last] ^= 0x40;
        assert!(matches!(
            open_take_home(&flipped, &secret("kitchen table")),
            Err(TakeHomeFileError::Damaged(_))
        ));
        let cut = &sealed[..sealed.len() - 20];
        assert!(matches!(
            open_take_home(cut, &secret("kitchen table")),
            Err(TakeHomeFileError::Damaged(_))
        ));
        assert!(matches!(
            open_take_home(b"hello", &secret("kitchen table")),
            Err(TakeHomeFileError::NotAWorksheet(_))
        ));
    }

    #[test]
    fn another_file_sealed_with_the_same_passphrase_is_not_a_worksheet() {
        let sealed = seal_with_passphrase(b"(format: 1)", &secret("kitchen table"), 10).unwrap();
        assert!(matches!(
            open_take_home(&sealed, &secret("kitchen table")),
            Err(TakeHomeFileError::NotAWorksheet(_))
        ));
        let newer = ron::to_string(&TakeHomeFile {
            format: 9,
            ..file()
        })
        .unwrap();
        let sealed = seal_with_passphrase(newer.as_bytes(), &secret("kitchen table"), 10).unwrap();
        assert!(matches!(
            open_take_home(&sealed, &secret("kitchen table")),
            Err(TakeHomeFileError::Format(9))
        ));
    }

    #[test]
    fn tokens_are_long_and_never_repeat() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }
}
