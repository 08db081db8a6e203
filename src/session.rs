//! A `Session` runs darr code: whole scripts, `-e` strings, or REPL inputs one at a
//! time, keeping the program's state between them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use crate::diag::{render_human, render_json, Code, Diag, RenderOptions};
use crate::interp::resolve::Resolver;
use crate::interp::{Interp, Module, Unwind, Value};
use crate::syntax::{self, FileId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ErrorFormat {
    #[default]
    Human,
    Json,
}

/// Why a run did not finish normally.
#[derive(Debug)]
pub enum Failure {
    Error(Diag),
    /// The program called `exit(code)`.
    Exit(i32),
}

impl From<Diag> for Failure {
    fn from(d: Diag) -> Failure {
        Failure::Error(d)
    }
}

impl From<Box<Unwind>> for Failure {
    fn from(u: Box<Unwind>) -> Failure {
        match *u {
            Unwind::Error(d) => Failure::Error(d),
            Unwind::Exit(code) => Failure::Exit(code),
        }
    }
}

pub struct Session {
    interp: Interp,
    main: Rc<Module>,
}

impl Session {
    /// A session writing program output to `out`, with `argv` as the script's
    /// arguments. `interrupt` is set by a Ctrl-C handler to stop evaluation.
    pub fn new(out: Box<dyn Write>, argv: Vec<String>, interrupt: Arc<AtomicBool>) -> Session {
        Session { interp: Interp::new(out, argv, interrupt), main: Module::new("__main__", Some(PathBuf::from("."))) }
    }

    /// Runs a script file. Imports look in the script's directory first.
    pub fn run_file(&mut self, path: &Path) -> Result<(), Failure> {
        let text = read_script(path)?;
        self.run_script(path, &text)
    }

    /// Runs `text`, read from the script at `path` (imports look in its directory).
    pub fn run_script(&mut self, path: &Path, text: &str) -> Result<(), Failure> {
        let dir = path.parent().map(|p| if p.as_os_str().is_empty() { PathBuf::from(".") } else { p.to_path_buf() });
        self.main = Module::new("__main__", dir);
        self.run_source(&path.display().to_string(), text)
    }

    /// Runs program text (a script's contents, `-e CODE`, standard input).
    pub fn run_source(&mut self, name: &str, text: &str) -> Result<(), Failure> {
        let file = self.interp.sources.add(name, text);
        let result = self.run_in_main(file, false);
        self.interp.flush();
        result
    }

    /// Runs one REPL input: expression statements show their value, and a failure
    /// leaves every variable (and the set of imported modules) as it was before.
    pub fn run_repl_input(&mut self, text: &str) -> Result<(), Failure> {
        let saved_globals = self.main.globals.borrow().clone();
        let saved_modules = self.interp.module_keys();
        let file = self.interp.sources.add("<repl>", text);
        let result = self.run_in_main(file, true);
        if result.is_err() {
            *self.main.globals.borrow_mut() = saved_globals;
            self.interp.retain_modules(&saved_modules);
        }
        self.interp.flush();
        result
    }

    fn run_in_main(&mut self, file: FileId, echo: bool) -> Result<(), Failure> {
        let text = self.interp.sources.get(file).expect("just added").text.clone();
        let parsing = std::time::Instant::now();
        let program = syntax::parse(&text, file).map_err(Diag::from)?;
        let code = Resolver::new(&self.main.globals).program(&program, echo)?;
        crate::exec::stats::record_parse(parsing.elapsed());
        // A divergence of the ranks unwinds out of array evaluation (see
        // `dist::agreement`) and is reported like any other error.
        crate::dist::agreement::catch(|| self.interp.run(&code, &self.main)).map_err(|d| d.to_diag())??;
        Ok(())
    }

    /// `--check`: parses and checks names and calls without running anything.
    pub fn check_source(&mut self, name: &str, text: &str) -> Result<(), Failure> {
        let file = self.interp.sources.add(name, text);
        let program = syntax::parse(text, file).map_err(Diag::from)?;
        crate::check::check_program(&program)?;
        Ok(())
    }

    /// Whether `text` stops inside an open bracket or block (the REPL then reads
    /// another line instead of reporting an error).
    pub fn is_incomplete(text: &str) -> bool {
        if text.trim_end().ends_with('\\') {
            return true;
        }
        matches!(syntax::parse(text, FileId(u32::MAX)), Err(e) if e.incomplete)
    }

    /// The diagnostic as the user sees it.
    pub fn render(&self, diag: &Diag, format: ErrorFormat, color: bool) -> String {
        match format {
            ErrorFormat::Human => {
                render_human(diag, &self.interp.sources, RenderOptions { color, ..Default::default() })
            }
            ErrorFormat::Json => render_json(diag, &self.interp.sources) + "\n",
        }
    }

    /// The main program's bound variables, in the order they were first assigned.
    pub fn variables(&self) -> Vec<(String, Value)> {
        self.main.globals.borrow().bound().map(|(n, v)| (n.to_string(), v.clone())).collect()
    }

    /// The names of a bound module's members (for completion after `module.`).
    pub fn module_members(&self, module: &str) -> Vec<String> {
        match self.main.globals.borrow().get(module) {
            Some(Value::Module(m)) => m.globals.borrow().bound().map(|(n, _)| n.to_string()).collect(),
            _ => Vec::new(),
        }
    }

    /// `:reset`: forgets every variable and imported module.
    pub fn reset(&mut self) {
        let out = std::mem::replace(&mut self.interp.out, Box::new(std::io::sink()));
        let argv = self.interp.argv.iter().map(crate::interp::format::to_str).collect();
        let interrupt = self.interp.interrupt.clone();
        // Dropping the old session (assigned over) breaks its reference cycles.
        *self = Session::new(out, argv, interrupt);
    }

    pub fn flush(&mut self) {
        self.interp.flush();
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.main.globals.borrow_mut().values.clear();
        self.interp.clear_modules();
    }
}

fn read_script(path: &Path) -> Result<String, Failure> {
    std::fs::read(path)
        .map_err(|e| Diag::without_span(Code::Io, format!("cannot read `{}`: {e}", path.display())))
        .and_then(|bytes| {
            String::from_utf8(bytes)
                .map_err(|_| Diag::without_span(Code::Io, format!("`{}` is not UTF-8 text", path.display())))
        })
        .map_err(Failure::Error)
}
