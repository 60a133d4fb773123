//! The template parser: arbitrary text as a protocol file (`tandem::template::parse`),
//! then, for what parses, the snapshot round trip and the placeholder scan its steps'
//! text goes through. Fails only on a panic, an abort or a timeout.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tandem::template;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = template::placeholders(&text);
    let _ = template::from_snapshot(&text);
    if let Ok(t) = template::parse("fuzz.ron", &text)
        && let Ok(snap) = template::snapshot(&t)
    {
        let _ = template::from_snapshot(&snap);
    }
});
