//! The record reader's parse step: the decrypted bytes of a record file through
//! `tandem::vault::record::decode` (UTF-8, RON envelope, format, kind and id against the
//! file's place, the body's own format checks), as `VaultReader::read` does after
//! decryption. The first byte picks the folder the file is taken to sit in; the id is
//! the fixed one the seed corpus uses, so well-formed seeds reach the body checks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tandem::vault::RecordKind;
use tandem::vault::record::decode;
use uuid::Uuid;

/// The id every seed record was rewritten to.
const ID: Uuid = Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0001);

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let kinds = RecordKind::ALL;
    let kind = kinds[pick as usize % kinds.len()];
    let _ = decode(bytes, kind, ID);
});
