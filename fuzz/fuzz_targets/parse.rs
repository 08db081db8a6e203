//! Any text parses to an AST or to a syntax diagnostic, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = darr::syntax::parse(text, darr::syntax::FileId(0));
    }
});
