//! Encryption with the age format. A passphrase (scrypt, pinned work factor) wraps one
//! X25519 identity made at `init`; every record is encrypted to that identity, so
//! unlocking costs one key derivation and each record opens in well under a millisecond.

use super::error::{Result, VaultError};
use age::x25519;
use secrecy::{ExposeSecret, SecretString};
use std::str::FromStr;

/// scrypt work factor (log2 N) used for the passphrase: ~64 MiB and ~0.2 s here. Pinned,
/// not calibrated, so debug and release builds open each other's vaults.
pub const PINNED_LOG_N: u8 = 16;
/// The most work a passphrase file may ask for before we refuse to try it.
pub const MAX_LOG_N: u8 = 20;
/// Shortest passphrase `init` and `change_passphrase` accept.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// What seals and opens records.
pub enum Cipher {
    Age(Box<AgeKeys>),
    /// Only behind an explicit flag at init.
    Plain,
}

/// The practice's key, and the keys it had before (each time a clinician's access was
/// removed, the key was replaced: what was sealed before still opens with the old one).
pub struct AgeKeys {
    /// What everything is sealed to now.
    pub current: x25519::Identity,
    /// Earlier keys, newest first, only to open what was sealed before (and, during a
    /// change of key, the next one).
    pub others: Vec<x25519::Identity>,
}

impl Cipher {
    /// A cipher for one key, with no earlier ones.
    pub fn age(identity: x25519::Identity) -> Cipher {
        Cipher::Age(Box::new(AgeKeys {
            current: identity,
            others: Vec::new(),
        }))
    }

    fn identities(keys: &AgeKeys) -> impl Iterator<Item = &dyn age::Identity> {
        std::iter::once(&keys.current as &dyn age::Identity)
            .chain(keys.others.iter().map(|i| i as &dyn age::Identity))
    }
}

/// The public half: seals records but cannot open them. This is all a save thread holds.
#[derive(Clone)]
pub enum Sealer {
    Age(x25519::Recipient),
    Plain,
}

impl Sealer {
    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>> {
        match self {
            Sealer::Age(recipient) => {
                age::encrypt(recipient, plaintext).map_err(|e| VaultError::Crypto(e.to_string()))
            }
            Sealer::Plain => Ok(plaintext.to_vec()),
        }
    }
}

impl Cipher {
    pub fn sealer(&self) -> Sealer {
        match self {
            Cipher::Age(keys) => Sealer::Age(keys.current.to_public()),
            Cipher::Plain => Sealer::Plain,
        }
    }

    /// The public key records are sealed to, as text; `None` without encryption.
    pub fn recipient(&self) -> Option<String> {
        match self {
            Cipher::Age(keys) => Some(keys.current.to_public().to_string()),
            Cipher::Plain => None,
        }
    }

    /// Decrypt a sealed file as it is read, into a buffer of `size_hint` bytes to start
    /// with (no copy of the sealed bytes is kept, nor is the buffer grown step by step):
    /// for large files such as the search cache. The error says why without any content.
    pub fn open_stream(
        &self,
        sealed: impl std::io::BufRead,
        size_hint: usize,
    ) -> std::result::Result<Vec<u8>, String> {
        use std::io::Read;
        let mut plain = Vec::with_capacity(size_hint);
        match self {
            Cipher::Age(keys) => {
                let decryptor = age::Decryptor::new_buffered(sealed)
                    .map_err(|_| "it is not an age file".to_string())?;
                let mut reader = decryptor
                    .decrypt(Cipher::identities(keys))
                    .map_err(|_| "it is not encrypted to this vault's key".to_string())?;
                reader
                    .read_to_end(&mut plain)
                    .map_err(|_| "it does not decrypt (truncated or altered)".to_string())?;
            }
            Cipher::Plain => {
                let mut sealed = sealed;
                sealed
                    .read_to_end(&mut plain)
                    .map_err(|e| format!("it cannot be read: {e}"))?;
            }
        }
        Ok(plain)
    }

    /// Decrypt a record file's bytes. The error says why without any content.
    pub fn open(&self, sealed: &[u8]) -> std::result::Result<Vec<u8>, String> {
        match self {
            Cipher::Age(keys) => {
                let described = |e: age::DecryptError| match e {
                    age::DecryptError::NoMatchingKeys => {
                        "it is not encrypted to this vault's key".to_string()
                    }
                    age::DecryptError::InvalidHeader => "it is not an age file".to_string(),
                    _ => "it does not decrypt (truncated or altered)".to_string(),
                };
                if keys.others.is_empty() {
                    return age::decrypt(&keys.current, sealed).map_err(described);
                }
                let decryptor = age::Decryptor::new_buffered(sealed).map_err(described)?;
                let mut reader = decryptor
                    .decrypt(Cipher::identities(keys))
                    .map_err(described)?;
                let mut plain = Vec::new();
                std::io::Read::read_to_end(&mut reader, &mut plain)
                    .map_err(|_| "it does not decrypt (truncated or altered)".to_string())?;
                Ok(plain)
            }
            Cipher::Plain => Ok(sealed.to_vec()),
        }
    }
}

fn scrypt_recipient(passphrase: &SecretString, log_n: u8) -> age::scrypt::Recipient {
    let mut recipient = age::scrypt::Recipient::new(passphrase.clone());
    recipient.set_work_factor(log_n);
    recipient
}

/// Encrypt bytes with a passphrase at a pinned work factor.
pub fn seal_with_passphrase(
    plaintext: &[u8],
    passphrase: &SecretString,
    log_n: u8,
) -> Result<Vec<u8>> {
    age::encrypt(&scrypt_recipient(passphrase, log_n), plaintext)
        .map_err(|e| VaultError::Crypto(e.to_string()))
}

/// Why a passphrase-sealed stream did not open (the caller says what the stream is).
#[derive(Debug, PartialEq, Eq)]
pub enum StreamError {
    NotAge,
    TooMuchWork,
    WrongPassphrase,
}

/// Start decrypting a stream sealed with a passphrase: returns a reader of the plaintext,
/// which checks each 64 KiB chunk as it goes (a read error means altered or cut short).
/// Work factors over `MAX_LOG_N` are refused before any is done.
pub fn open_stream_with_passphrase<R: std::io::BufRead>(
    sealed: R,
    passphrase: &SecretString,
) -> std::result::Result<age::stream::StreamReader<R>, StreamError> {
    let mut identity = age::scrypt::Identity::new(passphrase.clone());
    identity.set_max_work_factor(MAX_LOG_N);
    let decryptor = age::Decryptor::new_buffered(sealed).map_err(|_| StreamError::NotAge)?;
    decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::ExcessiveWork { .. } => StreamError::TooMuchWork,
            _ => StreamError::WrongPassphrase,
        })
}

/// Decrypt bytes sealed with a passphrase (the key file); a wrong passphrase is
/// `WrongPassphrase`.
pub fn open_with_passphrase(sealed: &[u8], passphrase: &SecretString) -> Result<Vec<u8>> {
    let mut reader = open_stream_with_passphrase(sealed, passphrase).map_err(|e| match e {
        StreamError::NotAge => VaultError::Header("the key file is not an age file".into()),
        StreamError::TooMuchWork => {
            VaultError::Header("the key file asks for more work than Tandem allows".into())
        }
        StreamError::WrongPassphrase => VaultError::WrongPassphrase,
    })?;
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut reader, &mut out)
        .map_err(|_| VaultError::Header("the key file is damaged".into()))?;
    Ok(out)
}

/// A fresh identity for a new vault.
pub fn generate_identity() -> x25519::Identity {
    x25519::Identity::generate()
}

/// The identity, wrapped with the passphrase (the content of `identity.age`).
pub fn wrap_identity(
    identity: &x25519::Identity,
    passphrase: &SecretString,
    log_n: u8,
) -> Result<Vec<u8>> {
    let secret = identity.to_string();
    let mut text = secret.expose_secret().to_string();
    text.push('\n');
    let sealed = seal_with_passphrase(text.as_bytes(), passphrase, log_n);
    zeroize::Zeroize::zeroize(&mut text);
    sealed
}

/// Unwrap `identity.age` with the passphrase.
pub fn unwrap_identity(sealed: &[u8], passphrase: &SecretString) -> Result<x25519::Identity> {
    let mut bytes = open_with_passphrase(sealed, passphrase)?;
    let parsed = std::str::from_utf8(&bytes)
        .ok()
        .and_then(|text| x25519::Identity::from_str(text.trim()).ok());
    zeroize::Zeroize::zeroize(&mut bytes);
    parsed.ok_or_else(|| VaultError::Header("the key file does not hold an age identity".into()))
}

/// Check a new passphrase is long enough.
pub fn check_strength(passphrase: &SecretString) -> Result<()> {
    if passphrase.expose_secret().chars().count() < MIN_PASSPHRASE_CHARS {
        Err(VaultError::WeakPassphrase(MIN_PASSPHRASE_CHARS))
    } else {
        Ok(())
    }
}
