//! The take-home reader after decryption: `tandem::vault::takehome::parse_take_home`
//! (UTF-8, RON with its recursion limit, magic, format), then what is done with a file
//! that parses: its protocol parsed for the fill window, and its answers checked against
//! that protocol and against a shipped one (`runner::takehome::check_answers`,
//! `is_filled_in`, `parts`), as the fill window and the import do.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use tandem::runner::takehome::{check_answers, is_filled_in, parts};
use tandem::template::{self, Template};
use tandem::vault::takehome::parse_take_home;

static SHIPPED: LazyLock<Template> = LazyLock::new(|| {
    template::parse(
        "intentional-dialogue.ron",
        include_str!("../../templates/intentional-dialogue.ron"),
    )
    .expect("a shipped template parses")
});

fuzz_target!(|data: &[u8]| {
    let Ok(file) = parse_take_home(data) else {
        return;
    };
    let _ = check_answers(&SHIPPED, &file);
    let _ = is_filled_in(&SHIPPED, &file);
    if let Ok(own) = template::parse("worksheet", &file.template_source) {
        let _ = parts(&own, file.for_whom, file.bindings);
        let _ = check_answers(&own, &file);
        let _ = is_filled_in(&own, &file);
    }
});
