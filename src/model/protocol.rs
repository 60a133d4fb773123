//! A protocol version kept in the vault: a practice's own protocol (added by the
//! therapist), or the exact version of any protocol a session ran, so that the session's
//! notes, exports and take-home imports read as they were after the protocol changes or
//! is removed. Each version is stored once, named by its fingerprint.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Format version of a protocol record.
pub const PROTOCOL_FORMAT: u32 = 1;

/// A protocol version's record id: made from its fingerprint, so one version is one
/// record however many sessions ran it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ProtocolVersionId(pub Uuid);

impl ProtocolVersionId {
    /// The id of the version with this fingerprint (hex SHA-256): its first 16 bytes,
    /// shaped as a version 4 UUID like every other record id.
    pub fn of(fingerprint: &str) -> ProtocolVersionId {
        let mut bytes = [0u8; 16];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = fingerprint
                .get(i * 2..i * 2 + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .unwrap_or(0);
        }
        ProtocolVersionId(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }
}

/// One version of a protocol, as its template text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtocolRecord {
    pub format: u32,
    pub id: ProtocolVersionId,
    /// The template's own id (`intentional-dialogue`).
    pub template_id: String,
    pub title: String,
    /// SHA-256 of `text`, hex: what a session's `protocol` names.
    pub fingerprint: String,
    /// The template as RON (`template::snapshot`).
    pub text: String,
    /// Added by the practice (`tandem templates add`, the app's Import): listed and run
    /// as the practice's own while not retired. Otherwise a version kept because a
    /// session ran it.
    pub own: bool,
    pub added_at: DateTime<Utc>,
    /// When it left the practice's library (removed, or replaced by a newer version). It
    /// is kept: sessions that ran it still read it.
    #[serde(default)]
    pub retired_at: Option<DateTime<Utc>>,
}
