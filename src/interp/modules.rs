//! `import` (spec section 3.1): the search path, executing each module once, and
//! refusing import cycles.

use std::path::PathBuf;
use std::rc::Rc;

use super::resolve::Resolver;
use super::value::{Module, Value};
use super::{stdlib, Env, Interp, Result};
use crate::diag::{did_you_mean, Code, Diag};
use crate::syntax::ast::Ident;
use crate::syntax::{self, Span};

/// Where a module was found.
struct Found {
    /// Identifies the module for "executed once" and cycle detection.
    key: String,
    /// Where the module's own imports look first (`None`: the standard library).
    dir: Option<PathBuf>,
    display_name: String,
    text: String,
}

impl Interp {
    pub(super) fn import(&mut self, name: &Ident, importer: &Rc<Module>) -> Result<Rc<Module>> {
        let found = self.find_module(name, importer)?;
        if let Some(module) = self.modules.get(&found.key) {
            return Ok(module.clone());
        }
        if let Some(first) = self.loading.iter().position(|(key, _)| *key == found.key) {
            let chain: Vec<&str> = self.loading[first..].iter().map(|(_, name)| &**name).collect();
            return Err(Diag::new(
                Code::Import,
                name.span,
                format!("import cycle: {} → {}", chain.join(" → "), name.name),
                "this import closes the cycle",
            )
            .with_help("move what both modules need into a third module that imports neither")
            .into());
        }
        let file = self.sources.add(found.display_name, found.text);
        let text = self.sources.get(file).expect("just added").text.clone();
        let program = syntax::parse(&text, file).map_err(Diag::from)?;
        let module = Module::new(&name.name, found.dir);
        let code = Resolver::new(&module.globals).program(&program, false)?;
        self.loading.push((found.key.clone(), name.name.clone()));
        let result = self.exec_block(&code, Env { module: &module, frame: None });
        self.loading.pop();
        result?;
        self.modules.insert(found.key, module.clone());
        Ok(module)
    }

    fn find_module(&self, name: &Ident, importer: &Module) -> Result<Found> {
        let file_name = format!("{}.da", name.name);
        let mut searched: Vec<PathBuf> = Vec::new();
        if let Some(dir) = &importer.dir {
            searched.push(dir.clone());
        }
        // Stdlib modules (dir `None`) import only from the stdlib.
        if importer.dir.is_some() {
            if let Ok(path) = std::env::var("DARR_PATH") {
                searched.extend(path.split(':').filter(|p| !p.is_empty()).map(PathBuf::from));
            }
        }
        for dir in &searched {
            let path = dir.join(&file_name);
            if path.is_file() {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    Diag::new(
                        Code::Io,
                        name.span,
                        format!("cannot read module `{}`: {e}", path.display()),
                        "imported here",
                    )
                })?;
                let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
                // Shown as found (`lib/util.da`), not as an absolute path.
                let shown = path.strip_prefix(".").unwrap_or(&path).to_path_buf();
                return Ok(Found {
                    key: canonical.display().to_string(),
                    dir: Some(path.parent().map(PathBuf::from).unwrap_or_default()),
                    display_name: shown.display().to_string(),
                    text,
                });
            }
        }
        if let Some(text) = stdlib::source(&name.name) {
            return Ok(Found {
                key: format!("<stdlib>/{}", name.name),
                dir: None,
                display_name: format!("<stdlib>/{file_name}"),
                text: text.to_string(),
            });
        }
        let places: Vec<String> = searched
            .iter()
            .map(|d| match d.display().to_string() {
                dot if dot == "." || dot.is_empty() => "the script's directory".to_string(),
                other => format!("`{other}`"),
            })
            .collect();
        let mut diag = Diag::new(Code::Import, name.span, format!("no module named `{}`", name.name), "not found");
        let mut help = format!(
            "searched for `{file_name}` in {}, then the standard library",
            if places.is_empty() { "no directory".to_string() } else { places.join(", ") }
        );
        if let Some(close) = did_you_mean(&name.name, stdlib::names()) {
            help = format!("did you mean `{close}`? {help}");
        }
        diag = diag.with_help(help + "; set DARR_PATH to add directories");
        Err(diag.into())
    }

    pub(super) fn module_member(&self, module: &Module, name: &str, span: Span) -> Result<Value> {
        let globals = module.globals.borrow();
        if let Some(v) = globals.get(name) {
            return Ok(v.clone());
        }
        let mut diag = Diag::new(
            Code::Name,
            span,
            format!("module `{}` has no `{name}`", module.name),
            "not defined in the module",
        );
        if let Some(close) = did_you_mean(name, globals.bound().map(|(n, _)| &**n)) {
            diag = diag.with_help(format!("did you mean `{close}`?"));
        }
        Err(diag.into())
    }
}
