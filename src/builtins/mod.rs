//! The one registry of builtins: each entry's name, signature, documentation and
//! implementation live together. Argument binding is driven by the signature text
//! itself, so what `:help` and `docs/` show is exactly what calls accept.

mod args;
mod convert;
mod creation;
mod distribution;
mod files;
mod linalg;
mod math;
mod random;
mod reduce;
mod scalar;
mod shape;
mod signature;
mod sorting;
mod stencils;

use std::collections::HashMap;
use std::sync::LazyLock;

pub use args::{Args, CallCtx};
pub use signature::{ParamKind, ParamSpec};

use crate::interp::{Interp, Result, Value};

pub type BuiltinFn = fn(&mut CallCtx, Args) -> Result<Value>;

pub enum BuiltinKind {
    Function(BuiltinFn),
    /// A predefined name such as `pi`: a constant that any assignment may shadow.
    Constant(fn(&Interp) -> Value),
}

pub struct Builtin {
    pub name: &'static str,
    /// As written in the docs: `round(x, n=none)`.
    pub signature: &'static str,
    pub doc: &'static str,
    /// The section of the docs the builtin belongs to, e.g. "Program and environment".
    pub group: &'static str,
    pub kind: BuiltinKind,
    pub params: Vec<ParamSpec>,
}

impl std::fmt::Debug for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<builtin {}>", self.name)
    }
}

pub struct Registry {
    entries: Vec<Builtin>,
    by_name: HashMap<&'static str, usize>,
    group: &'static str,
}

impl Registry {
    pub fn function(&mut self, signature: &'static str, doc: &'static str, run: BuiltinFn) {
        let (name, params) = signature::parse(signature);
        self.push(Builtin { name, signature, doc, group: self.group, kind: BuiltinKind::Function(run), params });
    }

    pub fn constant(&mut self, name: &'static str, doc: &'static str, value: fn(&Interp) -> Value) {
        self.push(Builtin {
            name,
            signature: name,
            doc,
            group: self.group,
            kind: BuiltinKind::Constant(value),
            params: Vec::new(),
        });
    }

    fn push(&mut self, builtin: Builtin) {
        assert!(!self.by_name.contains_key(builtin.name), "builtin `{}` registered twice", builtin.name);
        self.by_name.insert(builtin.name, self.entries.len());
        self.entries.push(builtin);
    }

    fn group(&mut self, title: &'static str) {
        self.group = title;
    }
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    let mut r = Registry { entries: Vec::new(), by_name: HashMap::new(), group: "" };
    r.group("Program and environment");
    scalar::register(&mut r);
    r.group("Creation");
    creation::register(&mut r);
    r.group("Elementwise");
    math::register(&mut r);
    r.group("Reductions and scans");
    reduce::register(&mut r);
    sorting::register(&mut r);
    r.group("Random");
    random::register(&mut r);
    r.group("Shape and layout");
    shape::register(&mut r);
    r.group("Linear algebra");
    linalg::register(&mut r);
    r.group("Stencils");
    stencils::register(&mut r);
    r.group("Input and output");
    files::register(&mut r);
    r.group("Distribution over MPI ranks");
    distribution::register(&mut r);
    r
});

/// The builtin of this name, if any.
pub fn lookup(name: &str) -> Option<&'static Builtin> {
    let r = &*REGISTRY;
    r.by_name.get(name).map(|&i| &r.entries[i])
}

/// Every builtin, in registration order (grouped as in the docs).
pub fn all() -> &'static [Builtin] {
    &REGISTRY.entries
}

pub(crate) use args::bind;

/// The builtin reference in Markdown (`docs/builtins.md`), generated from the
/// registry so the documentation cannot drift from what calls accept.
pub fn reference_markdown() -> String {
    let mut out = String::from(
        "# Builtin reference\n\nGenerated from the builtin registry (`src/builtins/`); \
         `tests/docs.rs` fails when this file is out of date (regenerate with \
         `DARR_BLESS=1 cargo test --test docs`). The REPL's `:help NAME` shows the same text.\n",
    );
    let mut group = "";
    for b in all() {
        if b.group != group {
            group = b.group;
            out.push_str(&format!("\n## {group}\n\n"));
        }
        out.push_str(&format!("- `{}` — {}\n", b.signature, b.doc));
    }
    out
}
