//! AST to resolved code: decides, for every name, which scope it lives in.
//!
//! Scoping is Python's (spec section 3): a name assigned anywhere in a function
//! body (parameters, `=`, `+=`, `x[i] =`, `for`, `fn`, `import`) is local to that
//! function; other names are looked up in enclosing functions, then the module's
//! globals, then builtins. Blocks do not open scopes.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::code::{self as c, Var};
use super::value::{Globals, Value};
use crate::builtins::{self, ParamKind, ParamSpec};
use crate::diag::{Code, Diag};
use crate::syntax::ast::{self as a, ExprKind as E, StmtKind as S};

pub struct Resolver<'g> {
    globals: &'g RefCell<Globals>,
    scopes: Vec<Scope>,
    loop_depth: usize,
}

#[derive(Default)]
struct Scope {
    slots: HashMap<Rc<str>, u32>,
    names: Vec<Rc<str>>,
}

type Result<T> = std::result::Result<T, Diag>;

impl<'g> Resolver<'g> {
    pub fn new(globals: &'g RefCell<Globals>) -> Resolver<'g> {
        Resolver { globals, scopes: Vec::new(), loop_depth: 0 }
    }

    /// Resolves a module's (or a REPL input's) top-level statements. With `echo`,
    /// top-level expression statements show their value (the REPL).
    pub fn program(&mut self, program: &a::Program, echo: bool) -> Result<Vec<c::Stmt>> {
        program
            .stmts
            .iter()
            .map(|s| match (&s.kind, echo) {
                (S::Expr(e), true) => Ok(c::Stmt { kind: c::StmtKind::Echo(self.expr(e)?), span: s.span }),
                _ => self.stmt(s),
            })
            .collect()
    }

    fn block(&mut self, stmts: &[a::Stmt]) -> Result<Vec<c::Stmt>> {
        stmts.iter().map(|s| self.stmt(s)).collect()
    }

    // ------------------------------------------------------------ names

    fn read(&mut self, ident: &a::Ident) -> c::Name {
        for (depth, scope) in self.scopes.iter().rev().enumerate() {
            if let Some(&slot) = scope.slots.get(&ident.name) {
                return c::Name {
                    var: Var::Local { depth: depth as u32, slot },
                    name: ident.name.clone(),
                    span: ident.span,
                    builtin: None,
                };
            }
        }
        self.global(ident)
    }

    fn write(&mut self, ident: &a::Ident) -> c::Name {
        match self.scopes.last() {
            // Every name a function assigns was collected into its scope up front.
            Some(scope) => c::Name {
                var: Var::Local { depth: 0, slot: scope.slots[&ident.name] },
                name: ident.name.clone(),
                span: ident.span,
                builtin: None,
            },
            None => self.global(ident),
        }
    }

    fn global(&mut self, ident: &a::Ident) -> c::Name {
        let slot = self.globals.borrow_mut().slot(&ident.name);
        c::Name {
            var: Var::Global { slot },
            name: ident.name.clone(),
            span: ident.span,
            builtin: builtins::lookup(&ident.name),
        }
    }

    // ------------------------------------------------------------ statements

    fn stmt(&mut self, s: &a::Stmt) -> Result<c::Stmt> {
        let kind = match &s.kind {
            S::Expr(e) => c::StmtKind::Expr(self.expr(e)?),
            S::Assign { targets, unpack, value } => {
                let value = self.expr(value)?;
                if *unpack {
                    let targets = targets.iter().map(|t| self.target(t)).collect::<Result<_>>()?;
                    c::StmtKind::Unpack { targets, value }
                } else {
                    c::StmtKind::Assign { target: self.target(&targets[0])?, value }
                }
            }
            S::AugAssign { target, op, op_span, value } => {
                let value = self.expr(value)?;
                c::StmtKind::AugAssign { target: self.target(target)?, op: *op, op_span: *op_span, value }
            }
            S::FnDef(def) => {
                let (code, defaults) = self.function(def)?;
                let name = self.write(def.name.as_ref().expect("named function"));
                let value = c::Expr { kind: c::ExprKind::Lambda(code, defaults), span: s.span };
                c::StmtKind::Assign { target: c::Target::Name(name), value }
            }
            S::Return(value) => {
                if self.scopes.is_empty() {
                    return Err(Diag::new(Code::Syntax, s.span, "`return` outside a function", "not in a function"));
                }
                c::StmtKind::Return(value.as_ref().map(|v| self.expr(v)).transpose()?)
            }
            S::If { branches, otherwise } => {
                let branches = branches
                    .iter()
                    .map(|(cond, body)| Ok((self.expr(cond)?, self.block(body)?)))
                    .collect::<Result<_>>()?;
                let otherwise = otherwise.as_ref().map(|b| self.block(b)).transpose()?;
                c::StmtKind::If { branches, otherwise }
            }
            S::While { cond, body } => {
                let cond = self.expr(cond)?;
                c::StmtKind::While { cond, body: self.loop_body(body)? }
            }
            S::For { vars, iter, body } => {
                let iter = self.expr(iter)?;
                let vars = vars.iter().map(|v| self.write(v)).collect();
                c::StmtKind::For { vars, iter, body: self.loop_body(body)? }
            }
            S::Break | S::Continue => {
                if self.loop_depth == 0 {
                    let word = if matches!(s.kind, S::Break) { "break" } else { "continue" };
                    return Err(Diag::new(Code::Syntax, s.span, format!("`{word}` outside a loop"), "not in a loop"));
                }
                if matches!(s.kind, S::Break) {
                    c::StmtKind::Break
                } else {
                    c::StmtKind::Continue
                }
            }
            S::Import { module, alias } => {
                c::StmtKind::Import { module: module.clone(), bind: self.write(alias.as_ref().unwrap_or(module)) }
            }
            S::FromImport { module, names } => {
                let names = names
                    .iter()
                    .map(|(name, alias)| (name.clone(), self.write(alias.as_ref().unwrap_or(name))))
                    .collect();
                c::StmtKind::FromImport { module: module.clone(), names }
            }
            S::Assert { cond, message } => c::StmtKind::Assert {
                cond: self.expr(cond)?,
                message: message.as_ref().map(|m| self.expr(m)).transpose()?,
            },
        };
        Ok(c::Stmt { kind, span: s.span })
    }

    fn loop_body(&mut self, body: &[a::Stmt]) -> Result<Vec<c::Stmt>> {
        self.loop_depth += 1;
        let body = self.block(body);
        self.loop_depth -= 1;
        body
    }

    fn target(&mut self, t: &a::Target) -> Result<c::Target> {
        Ok(match t {
            a::Target::Name(ident) => c::Target::Name(self.write(ident)),
            a::Target::Index { name, subscripts, span } => {
                let subscripts = self.subscripts(subscripts)?;
                c::Target::Index { name: self.write(name), subscripts, span: *span }
            }
        })
    }

    /// Compiles a function body in a scope of its own; its default values are
    /// compiled in the enclosing scope, where they are evaluated.
    fn function(&mut self, def: &a::FnDef) -> Result<(Rc<c::FnCode>, Vec<c::Expr>)> {
        let defaults =
            def.params.iter().filter_map(|p| p.default.as_ref()).map(|d| self.expr(d)).collect::<Result<Vec<_>>>()?;
        let mut scope = Scope::default();
        let mut declare = |name: &Rc<str>| {
            if !scope.slots.contains_key(name) {
                scope.slots.insert(name.clone(), scope.names.len() as u32);
                scope.names.push(name.clone());
            }
        };
        for p in &def.params {
            declare(&p.name.name);
        }
        collect_assigned(&def.body, &mut declare);
        self.scopes.push(scope);
        let saved_loop_depth = std::mem::replace(&mut self.loop_depth, 0);
        let body = self.block(&def.body);
        self.loop_depth = saved_loop_depth;
        let scope = self.scopes.pop().expect("pushed above");
        let params = param_specs(&def.params);
        let name = def.name.as_ref().map_or_else(|| Rc::from("<anonymous>"), |n| n.name.clone());
        let code = c::FnCode { name, params, slot_names: scope.names, body: body?, span: def.span };
        Ok((Rc::new(code), defaults))
    }

    // ------------------------------------------------------------ expressions

    fn expr(&mut self, e: &a::Expr) -> Result<c::Expr> {
        let kind = match &e.kind {
            E::Int(v) => c::ExprKind::Const(Value::Int(*v)),
            E::Float(v) => c::ExprKind::Const(Value::Float(*v)),
            E::Str(s) => c::ExprKind::Const(Value::Str(s.clone())),
            E::Bool(b) => c::ExprKind::Const(Value::Bool(*b)),
            E::None => c::ExprKind::Const(Value::None),
            E::Name(ident) => c::ExprKind::Load(self.read(ident)),
            E::FString(parts) => c::ExprKind::FString(
                parts
                    .iter()
                    .map(|p| {
                        Ok(match p {
                            a::FStringPart::Text(t) => c::FStringPart::Text(t.clone()),
                            a::FStringPart::Field { expr, spec, span } => {
                                c::FStringPart::Field { expr: self.expr(expr)?, spec: spec.clone(), span: *span }
                            }
                        })
                    })
                    .collect::<Result<_>>()?,
            ),
            E::Tuple(items) => c::ExprKind::Tuple(self.exprs(items)?),
            E::List(items) => c::ExprKind::List(self.exprs(items)?),
            E::Unary { op, operand } => {
                // A negative literal is a constant.
                match (op, &operand.kind) {
                    (a::UnaryOp::Neg, E::Int(v)) => c::ExprKind::Const(Value::Int(-v)),
                    (a::UnaryOp::Neg, E::Float(v)) => c::ExprKind::Const(Value::Float(-v)),
                    _ => c::ExprKind::Unary { op: *op, operand: Box::new(self.expr(operand)?) },
                }
            }
            E::Binary { op, op_span, lhs, rhs } => c::ExprKind::Binary {
                op: *op,
                op_span: *op_span,
                lhs: Box::new(self.expr(lhs)?),
                rhs: Box::new(self.expr(rhs)?),
            },
            E::Compare { first, rest } => c::ExprKind::Compare {
                first: Box::new(self.expr(first)?),
                rest: rest.iter().map(|(op, span, x)| Ok((*op, *span, self.expr(x)?))).collect::<Result<_>>()?,
            },
            E::And(l, r) => c::ExprKind::And(Box::new(self.expr(l)?), Box::new(self.expr(r)?)),
            E::Or(l, r) => c::ExprKind::Or(Box::new(self.expr(l)?), Box::new(self.expr(r)?)),
            E::Not(x) => c::ExprKind::Not(Box::new(self.expr(x)?)),
            E::IfElse { cond, then, otherwise } => c::ExprKind::IfElse {
                cond: Box::new(self.expr(cond)?),
                then: Box::new(self.expr(then)?),
                otherwise: Box::new(self.expr(otherwise)?),
            },
            E::Call { func, args } => {
                let args = self.args(args)?;
                match &func.kind {
                    E::Attr { target, name } => c::ExprKind::MethodCall {
                        receiver: Box::new(self.expr(target)?),
                        method: self.read(name),
                        args,
                    },
                    _ => c::ExprKind::Call { func: Box::new(self.expr(func)?), args },
                }
            }
            E::Index { target, subscripts, bracket_span } => c::ExprKind::Index {
                target: Box::new(self.expr(target)?),
                subscripts: self.subscripts(subscripts)?,
                bracket_span: *bracket_span,
            },
            E::Attr { target, name } => c::ExprKind::Attr { target: Box::new(self.expr(target)?), name: name.clone() },
            E::Lambda(def) => {
                let (code, defaults) = self.function(def)?;
                c::ExprKind::Lambda(code, defaults)
            }
        };
        Ok(c::Expr { kind, span: e.span })
    }

    fn exprs(&mut self, items: &[a::Expr]) -> Result<Vec<c::Expr>> {
        items.iter().map(|x| self.expr(x)).collect()
    }

    fn args(&mut self, args: &[a::Arg]) -> Result<Vec<c::Arg>> {
        let mut seen: Vec<&str> = Vec::new();
        args.iter()
            .map(|arg| {
                if let Some(k) = &arg.keyword {
                    if seen.contains(&&*k.name) {
                        return Err(Diag::new(
                            Code::Arg,
                            k.span,
                            format!("keyword argument `{}` repeated", k.name),
                            "given twice",
                        ));
                    }
                    seen.push(&k.name);
                }
                Ok(c::Arg { keyword: arg.keyword.clone(), value: self.expr(&arg.value)? })
            })
            .collect()
    }

    fn subscripts(&mut self, subs: &[a::Subscript]) -> Result<Vec<c::Subscript>> {
        subs.iter()
            .map(|s| {
                Ok(match s {
                    a::Subscript::Expr(e) => c::Subscript::Expr(self.expr(e)?),
                    a::Subscript::Ellipsis(span) => c::Subscript::Ellipsis(*span),
                    a::Subscript::Slice { start, stop, step, span } => c::Subscript::Slice {
                        start: start.as_ref().map(|x| self.expr(x)).transpose()?,
                        stop: stop.as_ref().map(|x| self.expr(x)).transpose()?,
                        step: step.as_ref().map(|x| self.expr(x)).transpose()?,
                        span: *span,
                    },
                })
            })
            .collect()
    }
}

/// Calls `declare` for every name the statements bind, without entering nested
/// function bodies (those are scopes of their own).
/// The binding specification of a user function's parameters.
pub(crate) fn param_specs(params: &[a::Param]) -> Vec<ParamSpec> {
    params
        .iter()
        .map(|p| ParamSpec {
            name: p.name.name.as_ref().into(),
            kind: if p.default.is_some() { ParamKind::Optional } else { ParamKind::Required },
        })
        .collect()
}

pub(crate) fn collect_assigned(stmts: &[a::Stmt], declare: &mut impl FnMut(&Rc<str>)) {
    for s in stmts {
        match &s.kind {
            S::Assign { targets, .. } => targets.iter().for_each(|t| declare(target_name(t))),
            S::AugAssign { target, .. } => declare(target_name(target)),
            S::FnDef(def) => declare(&def.name.as_ref().expect("named function").name),
            S::For { vars, body, .. } => {
                vars.iter().for_each(|v| declare(&v.name));
                collect_assigned(body, declare);
            }
            S::While { body, .. } => collect_assigned(body, declare),
            S::If { branches, otherwise } => {
                branches.iter().for_each(|(_, body)| collect_assigned(body, declare));
                if let Some(body) = otherwise {
                    collect_assigned(body, declare);
                }
            }
            S::Import { module, alias } => declare(&alias.as_ref().unwrap_or(module).name),
            S::FromImport { names, .. } => {
                names.iter().for_each(|(n, alias)| declare(&alias.as_ref().unwrap_or(n).name))
            }
            S::Expr(_) | S::Return(_) | S::Break | S::Continue | S::Assert { .. } => {}
        }
    }
}

fn target_name(t: &a::Target) -> &Rc<str> {
    match t {
        a::Target::Name(ident) => &ident.name,
        a::Target::Index { name, .. } => &name.name,
    }
}
