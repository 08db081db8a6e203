//! The REPL driven through a real pseudo-terminal, as a person types into it.

use rexpect::session::{spawn_command, PtySession};
use std::process::Command;

const TIMEOUT_MS: u64 = 10_000;

fn start(history: &std::path::Path) -> PtySession {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_darr"));
    cmd.env("DARR_HISTORY", history).env("NO_COLOR", "1").env("TERM", "xterm");
    let mut p = spawn_command(cmd, Some(TIMEOUT_MS)).expect("spawn darr");
    p.exp_string("darr> ").expect("first prompt");
    p
}

fn temp_history(name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("darr-repl-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

#[test]
fn expressions_echo_and_blocks_continue() {
    let history = temp_history("echo");
    let mut p = start(&history);
    p.send_line("x = 20 + 1").unwrap();
    p.exp_string("darr> ").unwrap();
    p.send_line("x * 2").unwrap();
    p.exp_string("42").unwrap();
    p.exp_string("darr> ").unwrap();
    // An open block asks for more lines with the continuation prompt.
    p.send_line("fn twice(v) {").unwrap();
    p.exp_string("...> ").unwrap();
    p.send_line("return v * 2").unwrap();
    p.exp_string("...> ").unwrap();
    p.send_line("}").unwrap();
    p.exp_string("darr> ").unwrap();
    p.send_line("twice(x)").unwrap();
    p.exp_string("42").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
    let saved = std::fs::read_to_string(&history).expect("history file written");
    assert!(saved.contains("x = 20 + 1"), "history holds the inputs: {saved}");
}

#[test]
fn an_error_leaves_variables_as_they_were() {
    let mut p = start(&temp_history("rollback"));
    p.send_line("a = 1").unwrap();
    p.exp_string("darr> ").unwrap();
    // The loop rebinds `a` before failing; the failure must undo that.
    p.send_line("for i in range(3) { a = 100; b = 1 // 0 }").unwrap();
    p.exp_string("darr::zero_division").unwrap();
    p.exp_string("darr> ").unwrap();
    p.send_line("print(a)").unwrap();
    p.exp_string("1\r\n").unwrap();
    p.send_line("b").unwrap();
    p.exp_string("darr::name").unwrap();
    p.send_line(":vars").unwrap();
    p.exp_regex(r"a\s+int\s+1").unwrap();
    // Ctrl-D typed ahead, before the line editor reads again, is a cooked-mode
    // end of file the editor may never see: wait for the prompt.
    p.exp_string("darr> ").unwrap();
    p.send_control('d').unwrap();
    p.exp_eof().unwrap();
}

#[test]
fn tab_completes_builtins_and_variables() {
    let mut p = start(&temp_history("complete"));
    p.send_line("longish_name = 7").unwrap();
    p.exp_string("darr> ").unwrap();
    p.send("longi\t").unwrap();
    p.send_line(" + 1").unwrap();
    p.exp_string("8").unwrap();
    p.exp_string("darr> ").unwrap();
    p.send("clo\t").unwrap();
    p.send_line("() >= 0").unwrap();
    p.exp_string("true").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}

#[test]
fn ctrl_c_cancels_input_and_help_describes_builtins() {
    let mut p = start(&temp_history("ctrlc"));
    p.send("x = (1 +").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("darr> ").unwrap();
    p.send_line(":help round").unwrap();
    p.exp_string("round(x, n=none)").unwrap();
    p.send_line(":help stats.zscore").unwrap();
    p.exp_string("stats.zscore(x, axis=none)").unwrap();
    p.exp_string("darr> ").unwrap();
    p.send_line(":nope").unwrap();
    p.exp_string("unknown command").unwrap();
    p.send_line("exit(3)").unwrap();
    p.exp_eof().unwrap();
}

#[test]
fn ctrl_c_interrupts_a_running_loop() {
    let mut p = start(&temp_history("interrupt"));
    p.send_line("n = 0").unwrap();
    p.exp_string("darr> ").unwrap();
    p.send_line("while true { n += 1 }").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    p.send_control('c').unwrap();
    p.exp_string("darr::interrupt").unwrap();
    p.exp_string("darr> ").unwrap();
    // The interrupted statement is rolled back like any failed one.
    p.send_line("n").unwrap();
    p.exp_string("0").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}

#[test]
fn arrays_show_a_dim_line_and_vars_show_shapes() {
    let mut p = start(&temp_history("arrays"));
    p.send_line("a = arange(6).reshape(2, 3)").unwrap();
    p.exp_string("darr> ").unwrap();
    p.send_line("a * 2").unwrap();
    p.exp_string("[ 6  8 10]]").unwrap();
    p.exp_string("shape (2, 3), dtype int64").unwrap();
    p.send_line(":vars").unwrap();
    p.exp_regex(r"a\s+array\s+shape \(2, 3\), dtype int64").unwrap();
    p.send_line(":explain a + 1").unwrap();
    p.exp_string("add %0, %1 -> (2, 3) int64").unwrap();
    p.send_line(":explain a * 0.5 + 1").unwrap();
    p.exp_string("1 fused kernel").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}
