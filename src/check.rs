//! `darr --check`: finds what can be known wrong without running the program —
//! names defined nowhere, and calls whose arguments cannot bind to the builtin or
//! top-level function they name.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::builtins::{self, BuiltinKind, ParamSpec};
use crate::diag::{did_you_mean, Code, Diag};
use crate::interp::resolve::{collect_assigned, param_specs};
use crate::interp::Value;
use crate::syntax::ast::*;

pub fn check_program(program: &Program) -> std::result::Result<(), Diag> {
    let mut globals: HashSet<Rc<str>> = HashSet::new();
    let mut assignments: HashMap<Rc<str>, usize> = HashMap::new();
    collect_assigned(&program.stmts, &mut |name| {
        globals.insert(name.clone());
    });
    count_assignments(&program.stmts, &mut assignments);
    let functions = program
        .stmts
        .iter()
        .filter_map(|s| match &s.kind {
            StmtKind::FnDef(def) => def.name.as_ref().map(|n| (n.name.clone(), def.clone())),
            _ => None,
        })
        .filter(|(name, _)| assignments.get(name) == Some(&1))
        .collect();
    let mut checker = Checker { globals, functions, scopes: Vec::new() };
    checker.stmts(&program.stmts)
}

fn count_assignments(stmts: &[Stmt], counts: &mut HashMap<Rc<str>, usize>) {
    for s in stmts {
        let mut one = HashSet::new();
        collect_assigned(std::slice::from_ref(s), &mut |n| {
            one.insert(n.clone());
        });
        for name in one {
            *counts.entry(name).or_default() += 1;
        }
        // A loop may assign many times.
        if let StmtKind::While { body, .. } | StmtKind::For { body, .. } = &s.kind {
            count_assignments(body, counts);
        }
    }
}

struct Checker {
    globals: HashSet<Rc<str>>,
    functions: HashMap<Rc<str>, Rc<FnDef>>,
    scopes: Vec<HashSet<Rc<str>>>,
}

type Result = std::result::Result<(), Diag>;

impl Checker {
    fn is_local(&self, name: &str) -> bool {
        self.scopes.iter().any(|s| s.contains(name))
    }

    fn name(&self, ident: &Ident) -> Result {
        if self.is_local(&ident.name) || self.globals.contains(&ident.name) || builtins::lookup(&ident.name).is_some() {
            return Ok(());
        }
        let mut candidates: Vec<&str> = self.globals.iter().map(|n| &**n).collect();
        candidates.extend(self.scopes.iter().flatten().map(|n| &**n));
        candidates.extend(builtins::all().iter().map(|b| b.name));
        let mut diag = Diag::new(Code::Name, ident.span, format!("`{}` is not defined", ident.name), "undefined name");
        if let Some(close) = did_you_mean(&ident.name, candidates) {
            diag = diag.with_help(format!("did you mean `{close}`?"));
        }
        Err(diag)
    }

    fn stmts(&mut self, stmts: &[Stmt]) -> Result {
        stmts.iter().try_for_each(|s| self.stmt(s))
    }

    fn stmt(&mut self, s: &Stmt) -> Result {
        match &s.kind {
            StmtKind::Expr(e) | StmtKind::Return(Some(e)) => self.expr(e),
            StmtKind::Assign { targets, value, .. } => {
                targets.iter().try_for_each(|t| self.target(t))?;
                self.expr(value)
            }
            StmtKind::AugAssign { target, value, .. } => {
                self.target(target)?;
                self.expr(value)
            }
            StmtKind::FnDef(def) => self.function(def),
            StmtKind::If { branches, otherwise } => {
                for (cond, body) in branches {
                    self.expr(cond)?;
                    self.stmts(body)?;
                }
                otherwise.as_ref().map_or(Ok(()), |b| self.stmts(b))
            }
            StmtKind::While { cond, body } => {
                self.expr(cond)?;
                self.stmts(body)
            }
            StmtKind::For { iter, body, .. } => {
                self.expr(iter)?;
                self.stmts(body)
            }
            StmtKind::Assert { cond, message } => {
                self.expr(cond)?;
                message.as_ref().map_or(Ok(()), |m| self.expr(m))
            }
            StmtKind::Return(None)
            | StmtKind::Break
            | StmtKind::Continue
            | StmtKind::Import { .. }
            | StmtKind::FromImport { .. } => Ok(()),
        }
    }

    fn target(&mut self, t: &Target) -> Result {
        match t {
            Target::Name(_) => Ok(()),
            Target::Index { subscripts, .. } => self.subscripts(subscripts),
        }
    }

    fn function(&mut self, def: &FnDef) -> Result {
        for p in &def.params {
            if let Some(d) = &p.default {
                self.expr(d)?;
            }
        }
        let mut scope: HashSet<Rc<str>> = def.params.iter().map(|p| p.name.name.clone()).collect();
        collect_assigned(&def.body, &mut |n| {
            scope.insert(n.clone());
        });
        self.scopes.push(scope);
        let result = self.stmts(&def.body);
        self.scopes.pop();
        result
    }

    fn subscripts(&mut self, subs: &[Subscript]) -> Result {
        for s in subs {
            match s {
                Subscript::Expr(e) => self.expr(e)?,
                Subscript::Slice { start, stop, step, .. } => {
                    for e in [start, stop, step].into_iter().flatten() {
                        self.expr(e)?;
                    }
                }
                Subscript::Ellipsis(_) => {}
            }
        }
        Ok(())
    }

    fn expr(&mut self, e: &Expr) -> Result {
        match &e.kind {
            ExprKind::Int(_) | ExprKind::Float(_) | ExprKind::Str(_) | ExprKind::Bool(_) | ExprKind::None => Ok(()),
            ExprKind::Name(ident) => self.name(ident),
            ExprKind::FString(parts) => parts.iter().try_for_each(|p| match p {
                FStringPart::Field { expr, .. } => self.expr(expr),
                FStringPart::Text(_) => Ok(()),
            }),
            ExprKind::Tuple(items) | ExprKind::List(items) => items.iter().try_for_each(|x| self.expr(x)),
            ExprKind::Unary { operand, .. } | ExprKind::Not(operand) => self.expr(operand),
            ExprKind::Binary { lhs, rhs, .. } | ExprKind::And(lhs, rhs) | ExprKind::Or(lhs, rhs) => {
                self.expr(lhs)?;
                self.expr(rhs)
            }
            ExprKind::Compare { first, rest } => {
                self.expr(first)?;
                rest.iter().try_for_each(|(_, _, x)| self.expr(x))
            }
            ExprKind::IfElse { cond, then, otherwise } => {
                self.expr(cond)?;
                self.expr(then)?;
                self.expr(otherwise)
            }
            ExprKind::Call { func, args } => {
                args.iter().try_for_each(|a| self.expr(&a.value))?;
                match &func.kind {
                    // `x.f(...)`: `f` may be a module member, known only at run time.
                    ExprKind::Attr { target, .. } => self.expr(target),
                    ExprKind::Name(ident) => {
                        self.name(ident)?;
                        self.call(ident, args, e)
                    }
                    _ => self.expr(func),
                }
            }
            ExprKind::Index { target, subscripts, .. } => {
                self.expr(target)?;
                self.subscripts(subscripts)
            }
            ExprKind::Attr { target, .. } => self.expr(target),
            ExprKind::Lambda(def) => self.function(def),
        }
    }

    /// Binds the call's arguments against the callee's parameters, when the callee
    /// is certainly a builtin or a top-level function defined once.
    fn call(&self, callee: &Ident, args: &[Arg], call: &Expr) -> Result {
        if self.is_local(&callee.name) {
            return Ok(());
        }
        let (params, signature): (Vec<ParamSpec>, String) = if self.globals.contains(&callee.name) {
            let Some(def) = self.functions.get(&callee.name) else { return Ok(()) };
            (param_specs(&def.params), format!("{}(...)", callee.name))
        } else {
            match builtins::lookup(&callee.name) {
                Some(b) if matches!(b.kind, BuiltinKind::Function(_)) => (b.params.clone(), b.signature.to_string()),
                _ => return Ok(()),
            }
        };
        let positional = args.iter().filter(|a| a.keyword.is_none()).map(|a| (Value::None, a.value.span)).collect();
        let keywords =
            args.iter().filter_map(|a| a.keyword.as_ref().map(|k| (k.clone(), Value::None, a.value.span))).collect();
        builtins::bind(&callee.name, &params, positional, keywords, call.span, || signature.clone()).map(|_| ())
    }
}
