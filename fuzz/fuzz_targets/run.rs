//! Any text parses and runs to completion or to a diagnostic, never a panic. Loops
//! are bounded by the interrupt flag, raised after a short time.
#![no_main]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let interrupt = Arc::new(AtomicBool::new(false));
    let flag = interrupt.clone();
    let done = Arc::new(AtomicBool::new(false));
    let finished = done.clone();
    let watchdog = std::thread::spawn(move || {
        for _ in 0..50 {
            if finished.load(Ordering::Relaxed) {
                return;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        flag.store(true, Ordering::Relaxed);
    });
    let mut session = darr::Session::new(Box::new(std::io::sink()), Vec::new(), interrupt);
    let _ = session.run_source("<fuzz>", text);
    done.store(true, Ordering::Relaxed);
    let _ = watchdog.join();
});
