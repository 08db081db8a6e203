//! Statements.

use std::rc::Rc;

use super::code::{Expr, Name, Stmt, StmtKind, Target, Var};
use super::value::Value;
use super::{arrays, format, ops, Env, Flow, Interp, Result};
use crate::diag::{Code, Diag};
use crate::dist::agreement;

impl Interp {
    pub(super) fn exec_block(&mut self, stmts: &[Stmt], env: Env) -> Result<Flow> {
        for stmt in stmts {
            // `s = s + i * 2`, `steps += 1`: int arithmetic stored straight away
            // (no collective can run in it, so it needs no site either).
            if let Some((name, v)) = self.fast_int_assignment(stmt, env) {
                self.store(name, Value::Int(v), env);
                continue;
            }
            // Collectives name the statement being run (`dist::agreement`).
            let outer = agreement::enter_site(stmt.span);
            let flow = self.exec(stmt, env);
            agreement::restore_site(outer);
            match flow? {
                Flow::Normal => {}
                flow => return Ok(flow),
            }
        }
        Ok(Flow::Normal)
    }

    fn exec(&mut self, stmt: &Stmt, env: Env) -> Result<Flow> {
        match &stmt.kind {
            StmtKind::Expr(e) => {
                self.eval(e, env)?;
            }
            StmtKind::Echo(e) => {
                let value = self.eval(e, env)?;
                arrays::observe(&value, e.span)?;
                if !matches!(value, Value::None) {
                    let mut text = format::to_str(&value);
                    if let Value::Array(a) = &value {
                        text.push_str(&format!(
                            "\n  shape {}, dtype {}",
                            crate::graph::shape::show(&a.shape),
                            a.dtype.name()
                        ));
                    }
                    self.write_text(&format!("{text}\n"), stmt.span)?;
                }
            }
            StmtKind::Assign { target, value } => {
                let value = self.eval(value, env)?;
                self.assign(target, value, env)?;
            }
            StmtKind::Unpack { targets, value } => {
                let value = self.eval(value, env)?;
                let items = self.unpack(value, targets.len(), stmt.span)?;
                for (target, item) in targets.iter().zip(items) {
                    self.assign(target, item, env)?;
                }
            }
            StmtKind::AugAssign { target, op, op_span, value } => {
                let rhs = self.eval(value, env)?;
                match target {
                    Target::Name(name) => {
                        let current = self.load(name, env)?;
                        let result = ops::binary(*op, &current, &rhs, *op_span, name.span, value.span)?;
                        self.store(name, result, env);
                    }
                    Target::Index { name, subscripts, span } => {
                        let array = match self.load(name, env)? {
                            Value::Array(array) => array,
                            other => return Err(immutable(&other, name).into()),
                        };
                        let args = self.index_args(subscripts, env)?;
                        let region =
                            Value::Array(crate::graph::index::index(&array, &args, *span, &crate::exec::count_true)?);
                        let updated = ops::binary(*op, &region, &rhs, *op_span, *span, value.span)?;
                        drop(region);
                        self.update_indexed(name, array, &args, &updated, *span, env)?;
                    }
                }
            }
            StmtKind::If { branches, otherwise } => {
                for (cond, body) in branches {
                    if self.condition(cond, env)? {
                        return self.exec_block(body, env);
                    }
                }
                if let Some(body) = otherwise {
                    return self.exec_block(body, env);
                }
            }
            StmtKind::While { cond, body } => loop {
                self.check_interrupt(stmt.span)?;
                if !self.condition(cond, env)? {
                    break;
                }
                match self.exec_block(body, env)? {
                    Flow::Break => break,
                    Flow::Normal | Flow::Continue => {}
                    flow @ Flow::Return(_) => return Ok(flow),
                }
            },
            StmtKind::For { vars, iter, body } => {
                let iterable = self.eval(iter, env)?;
                return self.exec_for(vars, iterable, iter.span, body, stmt, env);
            }
            StmtKind::Return(value) => {
                let value = match value {
                    Some(v) => self.eval(v, env)?,
                    None => Value::None,
                };
                return Ok(Flow::Return(value));
            }
            StmtKind::Break => return Ok(Flow::Break),
            StmtKind::Continue => return Ok(Flow::Continue),
            StmtKind::Import { module, bind } => {
                let loaded = self.import(module, env.module)?;
                self.store(bind, Value::Module(loaded), env);
            }
            StmtKind::FromImport { module, names } => {
                let loaded = self.import(module, env.module)?;
                for (name, bind) in names {
                    let value = self.module_member(&loaded, &name.name, name.span)?;
                    self.store(bind, value, env);
                }
            }
            StmtKind::Assert { cond, message } => {
                let value = self.eval(cond, env)?;
                if !ops::truthy(&value, cond.span)? {
                    let text = match message {
                        Some(m) => format::to_str(&self.eval(m, env)?),
                        None => "assertion failed".to_string(),
                    };
                    return Err(Diag::new(Code::Assert, stmt.span, text, "this assertion failed").into());
                }
            }
        }
        Ok(Flow::Normal)
    }

    fn exec_for(
        &mut self,
        vars: &[Name],
        iterable: Value,
        iter_span: crate::syntax::Span,
        body: &[Stmt],
        stmt: &Stmt,
        env: Env,
    ) -> Result<Flow> {
        // Ranges are walked without materializing them: `range(10**9)` costs nothing
        // until iterated.
        let len = match &iterable {
            Value::Range(r) => r.len(),
            Value::Tuple(t) => t.len(),
            Value::Str(s) => s.chars().count(),
            Value::Array(a) if a.ndim() > 0 => a.shape[0],
            other => {
                return Err(Diag::new(
                    Code::Type,
                    iter_span,
                    format!("cannot iterate over {}", other.described()),
                    "not iterable",
                )
                .with_help("`for` walks a range, a tuple, a string or the first axis of an array")
                .into())
            }
        };
        let mut chars = match &iterable {
            Value::Str(s) => Some(s.chars()),
            _ => None,
        };
        for i in 0..len {
            self.check_interrupt(stmt.span)?;
            let item = match &iterable {
                Value::Range(r) => Value::Int(r.get(i)),
                Value::Tuple(t) => t[i].clone(),
                Value::Array(a) => first_axis_item(a, i, iter_span)?,
                _ => Value::Str(Rc::from(chars.as_mut().and_then(|c| c.next()).unwrap_or(' ').to_string())),
            };
            if let [var] = vars {
                self.store(var, item, env);
            } else {
                let items = self.unpack(item, vars.len(), iter_span)?;
                for (var, item) in vars.iter().zip(items) {
                    self.store(var, item, env);
                }
            }
            match self.exec_block(body, env)? {
                Flow::Break => break,
                Flow::Normal | Flow::Continue => {}
                flow @ Flow::Return(_) => return Ok(flow),
            }
        }
        Ok(Flow::Normal)
    }

    /// Whether the condition of an `if` or `while` holds.
    fn condition(&mut self, cond: &Expr, env: Env) -> Result<bool> {
        if let Some(holds) = self.fast_bool(cond, env) {
            return Ok(holds);
        }
        let value = self.eval(cond, env)?;
        Ok(ops::truthy(&value, cond.span)?)
    }

    /// The variable and its new value, when `stmt` assigns (or updates with an
    /// operator) a name with int arithmetic that `fast_int` computes.
    fn fast_int_assignment<'s>(&self, stmt: &'s Stmt, env: Env) -> Option<(&'s Name, i64)> {
        match &stmt.kind {
            StmtKind::Assign { target: Target::Name(name), value } => Some((name, self.fast_int(value, env)?)),
            StmtKind::AugAssign { target: Target::Name(name), op, value, .. } => {
                let current = self.int_variable(name, env)?;
                Some((name, ops::int_exact(*op, current, self.fast_int(value, env)?)?))
            }
            _ => None,
        }
    }

    fn assign(&mut self, target: &Target, value: Value, env: Env) -> Result<()> {
        match target {
            Target::Name(name) => {
                self.store(name, value, env);
                Ok(())
            }
            Target::Index { name, subscripts, span } => {
                let array = match self.load(name, env)? {
                    Value::Array(array) => array,
                    other => return Err(immutable(&other, name).into()),
                };
                let args = self.index_args(subscripts, env)?;
                self.update_indexed(name, array, &args, &value, *span, env)
            }
        }
    }

    /// `name[args] = value`: rebinds `name` to an updated copy (value semantics).
    /// A small region of an array nothing else holds is written in place
    /// (`exec::update_in_place`). Otherwise the name is rebound before a deep
    /// graph is computed, so that the old array, if nothing else holds it, is
    /// updated in place by the fused update instead of copied.
    fn update_indexed(
        &mut self,
        name: &Name,
        array: crate::graph::Array,
        args: &[(crate::graph::index::IndexArg, crate::syntax::Span)],
        value: &Value,
        span: crate::syntax::Span,
        env: Env,
    ) -> Result<()> {
        let value = arrays::to_array(value, span)?;
        let updated = crate::graph::index::update(&array, args, &value, span, &crate::exec::count_true)?;
        drop((array, value));
        // The variable is the one holder of the old array it accounts for.
        if let Some(same) = crate::exec::update_in_place(&updated, 1, || pending_in_scope(env))? {
            self.store(name, Value::Array(same), env);
            return Ok(());
        }
        self.store(name, Value::Array(updated.clone()), env);
        arrays::finish(updated)?;
        Ok(())
    }

    fn unpack(&self, value: Value, count: usize, span: crate::syntax::Span) -> Result<Vec<Value>> {
        match value {
            Value::Array(a) if a.ndim() > 0 && a.shape[0] == count => {
                (0..count).map(|i| first_axis_item(&a, i, span)).collect()
            }
            Value::Array(a) if a.ndim() > 0 => Err(Diag::new(
                Code::Value,
                span,
                format!("cannot unpack an array with {} rows into {count} names", a.shape[0]),
                "count differs",
            )
            .into()),
            Value::Tuple(items) if items.len() == count => Ok(items.to_vec()),
            Value::Tuple(items) => Err(Diag::new(
                Code::Value,
                span,
                format!("cannot unpack {} values into {count} names", items.len()),
                "count differs",
            )
            .into()),
            other => Err(Diag::new(
                Code::Type,
                span,
                format!("cannot unpack {} into {count} names", other.described()),
                "not a tuple",
            )
            .into()),
        }
    }

    pub(super) fn store(&self, name: &Name, value: Value, env: Env) {
        match name.var {
            Var::Local { depth, slot } => {
                let frame = frame_at(env, depth);
                frame.slots.borrow_mut()[slot as usize] = Some(value);
            }
            Var::Global { slot } => env.module.globals.borrow_mut().values[slot as usize] = Some(value),
        }
    }

    /// Writes program output. A closed pipe (`darr x.da | head`) ends the program
    /// quietly, as it does for other command-line tools.
    pub fn write_text(&mut self, text: &str, span: crate::syntax::Span) -> Result<()> {
        match self.out.write_all(text.as_bytes()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Box::new(super::Unwind::Exit(0))),
            Err(e) => {
                Err(Diag::new(Code::Io, span, format!("cannot write to standard output: {e}"), "while printing").into())
            }
        }
    }

    pub fn flush(&mut self) {
        let _ = self.out.flush();
    }
}

/// The pending arrays the program can still name: the enclosing functions'
/// locals and the module's globals.
fn pending_in_scope(env: Env) -> Vec<crate::graph::Array> {
    let pending = |value: &Option<Value>| match value {
        Some(Value::Array(a)) if !a.is_computed() => Some(a.clone()),
        _ => None,
    };
    let mut found: Vec<_> = env.module.globals.borrow().values.iter().filter_map(pending).collect();
    let mut frame = env.frame;
    while let Some(f) = frame {
        found.extend(f.slots.borrow().iter().filter_map(pending));
        frame = f.parent.as_ref();
    }
    found
}

pub(super) fn frame_at<'a>(env: Env<'a>, depth: u32) -> &'a Rc<super::Frame> {
    let mut frame = env.frame.expect("locals are only resolved inside functions");
    for _ in 0..depth {
        frame = frame.parent.as_ref().expect("resolver counted enclosing frames");
    }
    frame
}

fn immutable(current: &Value, name: &Name) -> Diag {
    Diag::new(
        Code::Type,
        name.span,
        format!("{} does not support item assignment", current.described()),
        format!("`{}` is {}", name.name, current.described()),
    )
    .with_help("only arrays can be updated by index; build a new tuple or string instead")
}

/// `a[i]` for iteration and unpacking over the first axis.
fn first_axis_item(a: &crate::graph::Array, i: usize, span: crate::syntax::Span) -> Result<Value> {
    let args = [(crate::graph::index::IndexArg::Int(i as i64), span)];
    Ok(arrays::finish(crate::graph::index::index(a, &args, span, &crate::exec::count_true)?)?)
}
