//! The backup reader after decryption: the tar stream a backup holds, unpacked by
//! `tandem::vault::backup::unpack` (entry types, paths a vault has, sizes, entries given
//! twice) into a fresh folder, as `restore` does before opening the vault there. The
//! folder is made under /dev/shm when it exists (tmpfs: the unpacker's fsyncs cost
//! nothing) and removed after each run.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Read;
use std::path::Path;
use tandem::vault::backup::unpack;

fuzz_target!(|data: &[u8]| {
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm)
    } else {
        tempfile::tempdir()
    }
    .expect("a temporary folder");
    if let Ok(mut rest) = unpack(data, dir.path()) {
        let mut tail = Vec::new();
        let _ = rest.read_to_end(&mut tail);
    }
});
