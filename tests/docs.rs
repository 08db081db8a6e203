//! The documentation is executable: `docs/builtins.md` is generated from the builtin
//! registry, and every code example in the README and in `docs/` is run.
//!
//! Fenced blocks, by their info string:
//! - ```` ```darr ````: a program, written to a scratch directory shared by the page's
//!   blocks (under the name its first line gives as `# file: NAME.da`, so later
//!   blocks can import or run it) and run with the real binary. A following
//!   ```` ```output ```` block is its exact standard output; a following
//!   ```` ```error ```` block is its exact diagnostic (exit status 1). Otherwise it
//!   must succeed and print nothing to standard error.
//! - ```` ```repl ````: a REPL transcript. `darr> ` and `...> ` lines are typed into
//!   one session per page; the lines after them are what it shows (values, dim lines,
//!   diagnostics).
//! - ```` ```python ````: a NumPy program (the NumPy side of a comparison), run with
//!   `python3`; a following ```` ```output ```` block is its exact standard output.
//!   Without NumPy these blocks are skipped, with one line saying so.
//! - ```` ```sh ````: `$ ` lines are commands, the lines after them their standard
//!   output. Commands that start with `darr` run (through `sh`, with the binary first
//!   on `PATH`, in the page's scratch directory); other commands (cargo, pip,
//!   mpiexec) are what CI itself runs and are not repeated here.
//! - Untagged and `text` blocks are prose (usage screens) and are not run.
//!
//! Regenerate `docs/builtins.md` with `DARR_BLESS=1 cargo test --test docs`.

mod common;

use darr::{ErrorFormat, Failure, Session};
use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

#[test]
fn builtin_reference_is_up_to_date() {
    let path = root().join("docs/builtins.md");
    let generated = darr::builtins::reference_markdown();
    if std::env::var_os("DARR_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/builtins.md is out of date; regenerate it with DARR_BLESS=1 cargo test --test docs"
    );
    for b in darr::builtins::all() {
        assert!(!b.doc.trim().is_empty(), "builtin `{}` has no documentation", b.name);
    }
}

#[test]
fn every_snippet_in_the_docs_runs() {
    let mut pages = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs")).unwrap().map(|e| e.unwrap().path()).collect();
    docs.sort();
    pages.extend(docs.into_iter().filter(|p| p.extension().is_some_and(|e| e == "md")));

    let mut failures = Vec::new();
    let mut ran = 0;
    let mut numpy = None;
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        let scratch = scratch_dir(page);
        let mut repl = Repl::new();
        let blocks = fenced_blocks(&text);
        for (i, block) in blocks.iter().enumerate() {
            let next = blocks.get(i + 1).filter(|b| b.info == "output" || b.info == "error");
            let place = format!("{}:{}", page.strip_prefix(root()).unwrap().display(), block.line);
            let result = match block.info.as_str() {
                "darr" => run_program(block, next, &scratch, i),
                "repl" => repl.transcript(&block.body),
                "python" => {
                    if !*numpy.get_or_insert_with(|| common::prereq::numpy("docs: the ```python blocks")) {
                        continue;
                    }
                    run_python(block, next, &scratch)
                }
                "sh" => run_commands(&block.body, &scratch),
                _ => continue,
            };
            ran += 1;
            if let Err(why) = result {
                failures.push(format!("{place}: {why}"));
            }
        }
    }
    assert!(ran >= 20, "expected the docs to hold runnable examples, found {ran}");
    assert!(failures.is_empty(), "{} doc examples failed:\n\n{}", failures.len(), failures.join("\n\n"));
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn scratch_dir(page: &Path) -> PathBuf {
    let name = page.file_stem().unwrap().to_string_lossy();
    let dir = std::env::temp_dir().join(format!("darr-docs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // Pages run the examples as `darr examples/NAME.da`, from the repository's root.
    std::os::unix::fs::symlink(root().join("examples"), dir.join("examples")).unwrap();
    dir
}

struct Block {
    info: String,
    body: String,
    /// 1-based line of the opening fence, for failure messages.
    line: usize,
}

fn fenced_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (n, line) in text.lines().enumerate() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => {
                open = Some(Block { info: info.trim().to_string(), body: String::new(), line: n + 1 })
            }
            (Some(_), Some(_)) => blocks.push(open.take().unwrap()),
            (Some(block), None) => {
                block.body.push_str(line);
                block.body.push('\n');
            }
            (None, None) => {}
        }
    }
    blocks
}

fn darr_command(scratch: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_darr"));
    cmd.current_dir(scratch).env("NO_COLOR", "1");
    cmd
}

fn run_program(block: &Block, expected: Option<&Block>, scratch: &Path, index: usize) -> Result<(), String> {
    let file = block
        .body
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# file:"))
        .map(|f| f.trim().to_string())
        .unwrap_or_else(|| format!("snippet{index}.da"));
    std::fs::write(scratch.join(&file), &block.body).unwrap();
    let out = darr_command(scratch).arg(&file).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    match expected {
        Some(b) if b.info == "error" => {
            if out.status.code() == Some(1) && trimmed(&stderr) == trimmed(&b.body) {
                Ok(())
            } else {
                Err(format!("expected the diagnostic\n{}\ngot (status {})\n{stderr}", b.body, out.status))
            }
        }
        _ if !out.status.success() || !stderr.is_empty() => {
            Err(format!("failed (status {}):\n{stdout}{stderr}", out.status))
        }
        Some(b) if trimmed(&stdout) != trimmed(&b.body) => {
            Err(format!("expected the output\n{}\ngot\n{stdout}", b.body))
        }
        _ => Ok(()),
    }
}

fn run_python(block: &Block, expected: Option<&Block>, scratch: &Path) -> Result<(), String> {
    let out = Command::new("python3").arg("-c").arg(&block.body).current_dir(scratch).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("python3 failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    match expected {
        Some(b) if trimmed(&stdout) != trimmed(&b.body) => {
            Err(format!("expected the output\n{}\ngot\n{stdout}", b.body))
        }
        _ => Ok(()),
    }
}

fn run_commands(body: &str, scratch: &Path) -> Result<(), String> {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_darr")).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    for (command, expected) in prompts(body, &["$ "], &[]) {
        if !command.starts_with("darr") {
            continue;
        }
        let out = Command::new("sh")
            .arg("-c")
            .arg(&command)
            .current_dir(scratch)
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            return Err(format!("`{command}` failed: {}{stdout}", String::from_utf8_lossy(&out.stderr)));
        }
        if trimmed(&stdout) != trimmed(&expected) {
            return Err(format!("`{command}`: expected\n{expected}\ngot\n{stdout}"));
        }
    }
    Ok(())
}

/// Splits a transcript into (input, shown output) pairs: an input is a line after
/// one of `prompts` plus the `continuations` lines after it.
fn prompts(body: &str, prompts: &[&str], continuations: &[&str]) -> Vec<(String, String)> {
    let strip = |line: &str, set: &[&str]| set.iter().find_map(|p| line.strip_prefix(p)).map(str::to_string);
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut in_input = false;
    for line in body.lines() {
        if let Some(input) = strip(line, prompts) {
            pairs.push((input, String::new()));
            in_input = true;
        } else if let (true, Some(more)) = (in_input, strip(line, continuations)) {
            let input = &mut pairs.last_mut().unwrap().0;
            input.push('\n');
            input.push_str(&more);
        } else if let Some((_, shown)) = pairs.last_mut() {
            in_input = false;
            shown.push_str(line);
            shown.push('\n');
        }
    }
    pairs
}

/// One REPL session per page, fed the transcripts' inputs.
struct Repl {
    session: Session,
    out: SharedBuffer,
}

impl Repl {
    fn new() -> Repl {
        let out = SharedBuffer::default();
        let session = Session::new(Box::new(out.clone()), Vec::new(), Arc::new(AtomicBool::new(false)));
        Repl { session, out }
    }

    fn transcript(&mut self, body: &str) -> Result<(), String> {
        for (input, expected) in prompts(body, &["darr> "], &["...> "]) {
            let mut shown = match self.session.run_repl_input(&input) {
                Ok(()) | Err(Failure::Exit(_)) => String::new(),
                Err(Failure::Error(diag)) => self.session.render(&diag, ErrorFormat::Human, false),
            };
            shown.insert_str(0, &String::from_utf8_lossy(&self.out.0.borrow()));
            self.out.0.borrow_mut().clear();
            if trimmed(&shown) != trimmed(&expected) {
                return Err(format!("`{input}`: expected\n{expected}\ngot\n{shown}"));
            }
        }
        Ok(())
    }
}

#[derive(Clone, Default)]
struct SharedBuffer(Rc<RefCell<Vec<u8>>>);

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Text with trailing spaces on each line and trailing blank lines removed.
fn trimmed(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines.join("\n").trim_end().to_string()
}
