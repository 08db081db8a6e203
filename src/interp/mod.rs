//! The tree-walking evaluator. Scalars, strings, tuples and functions are computed
//! eagerly here.

pub mod arrayprint;
pub mod arrays;
mod call;
pub mod code;
mod eval;
mod exec;
mod fast;
pub mod fmtspec;
pub mod format;
mod modules;
pub mod ops;
pub mod resolve;
pub mod stdlib;
pub mod value;

use std::collections::HashMap;
use std::io::Write;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

pub use value::{Closure, Frame, Module, RangeValue, Value};

use crate::diag::{Code, Diag};
use crate::syntax::{SourceMap, Span};

/// Calls nested deeper than this are `darr::recursion` (spec section 3).
pub const MAX_CALL_DEPTH: usize = 1000;

/// Why evaluation stopped early: an error, or `exit(code)`.
#[derive(Debug)]
pub enum Unwind {
    Error(Diag),
    Exit(i32),
}

pub type Result<T> = std::result::Result<T, Box<Unwind>>;

impl From<Diag> for Box<Unwind> {
    fn from(diag: Diag) -> Box<Unwind> {
        Box::new(Unwind::Error(diag))
    }
}

/// How a statement finished.
pub enum Flow {
    Normal,
    Break,
    Continue,
    Return(Value),
}

/// The variables visible to the code being run.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub module: &'a Rc<Module>,
    pub frame: Option<&'a Rc<Frame>>,
}

pub struct Interp {
    pub out: Box<dyn Write>,
    pub sources: SourceMap,
    pub argv: Rc<[Value]>,
    /// Set by the Ctrl-C handler; checked at every loop iteration and call.
    pub interrupt: Arc<AtomicBool>,
    pub started: Instant,
    /// The random generator's seed and how many random arrays were made since it
    /// was set: with an element's position, all a random value depends on.
    pub rng_seed: u64,
    pub rng_stream: u64,
    depth: usize,
    /// Imported modules by resolved location, each executed once per program.
    modules: HashMap<String, Rc<Module>>,
    /// Modules whose top level is running now, to detect import cycles.
    loading: Vec<(String, Rc<str>)>,
}

impl Interp {
    pub fn new(out: Box<dyn Write>, argv: Vec<String>, interrupt: Arc<AtomicBool>) -> Interp {
        Interp {
            out,
            sources: SourceMap::default(),
            argv: argv.into_iter().map(|a| Value::Str(Rc::from(a))).collect(),
            interrupt,
            started: Instant::now(),
            rng_seed: 0,
            rng_stream: 0,
            depth: 0,
            modules: HashMap::new(),
            loading: Vec::new(),
        }
    }

    /// Runs resolved top-level code in `module`.
    pub fn run(&mut self, stmts: &[code::Stmt], module: &Rc<Module>) -> Result<()> {
        self.depth = 0;
        let env = Env { module, frame: None };
        self.exec_block(stmts, env)?;
        Ok(())
    }

    /// Fails with `darr::interrupt` if Ctrl-C was pressed since the last check.
    #[inline]
    fn check_interrupt(&self, span: Span) -> Result<()> {
        if self.interrupt.load(Ordering::Relaxed) {
            self.interrupt.store(false, Ordering::Relaxed);
            return Err(Diag::new(Code::Interrupt, span, "interrupted", "running here when Ctrl-C was pressed").into());
        }
        Ok(())
    }

    /// The modules imported so far, by key; with [`Interp::retain_modules`], a
    /// failed REPL input can forget the modules it imported.
    pub fn module_keys(&self) -> Vec<String> {
        self.modules.keys().cloned().collect()
    }

    /// Empties every loaded module's namespace. Functions refer to their module and
    /// the module to its functions; ending a session must break that cycle.
    pub fn clear_modules(&mut self) {
        for module in self.modules.values() {
            module.globals.borrow_mut().values.clear();
        }
        self.modules.clear();
    }

    /// Forgets every module not in `keep`, so a failed REPL input leaves no
    /// half-run module behind.
    pub fn retain_modules(&mut self, keep: &[String]) {
        self.modules.retain(|k, _| keep.contains(k));
        self.loading.clear();
    }
}
