//! The library API (`Session`) on its own, as an embedding program uses it.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

fn run_on_small_stack(src: &'static str) -> Result<(), darr::Failure> {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let mut session =
                darr::Session::new(Box::new(std::io::sink()), Vec::new(), Arc::new(AtomicBool::new(false)));
            session.run_source("<test>", src)
        })
        .unwrap()
        .join()
        .expect("no stack overflow")
}

#[test]
fn deep_recursion_needs_no_large_stack() {
    assert!(run_on_small_stack("fn f(n) { if n == 0 { return 0 }; return 1 + f(n - 1) }\nassert f(990) == 990").is_ok());
    match run_on_small_stack("fn f(n) { return f(n + 1) }\nf(0)") {
        Err(darr::Failure::Error(d)) => assert_eq!(d.code, darr::diag::Code::Recursion),
        other => panic!("expected darr::recursion, got {other:?}"),
    }
}

/// The rendered `darr::interrupt` diagnostic (Ctrl-C sets the flag the evaluator
/// checks at every loop iteration), snapshot-tested colourless at a fixed width.
#[test]
fn interrupt_renders_at_the_running_loop() {
    let flag = Arc::new(AtomicBool::new(true));
    let mut session = darr::Session::new(Box::new(std::io::sink()), Vec::new(), flag);
    let Err(darr::Failure::Error(diag)) = session.run_source("spin.da", "n = 0\nwhile true {\n    n += 1\n}\n") else {
        panic!("expected an interrupt");
    };
    insta::assert_snapshot!(session.render(&diag, darr::ErrorFormat::Human, false));
    insta::assert_snapshot!("interrupt_json", session.render(&diag, darr::ErrorFormat::Json, false));
}
