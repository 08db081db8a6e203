//! Expressions.

use std::rc::Rc;

use super::arrays;
use super::code::{Arg, Expr, ExprKind, FStringPart, Name, Subscript, Var};
use super::exec::frame_at;
use super::value::{Closure, Value};
use super::{fmtspec, format, ops, Env, Interp, Result};
use crate::builtins::BuiltinKind;
use crate::diag::{did_you_mean, Code, Diag};
use crate::graph::index::IndexArg;
use crate::graph::shape::{normalize_index, slice_indices};
use crate::graph::{Array, BinaryFn};
use crate::syntax::ast::Ident;
use crate::syntax::Span;

pub(super) type Positional = Vec<(Value, Span)>;
pub(super) type Keywords = Vec<(Ident, Value, Span)>;

impl Interp {
    pub(super) fn eval(&mut self, e: &Expr, env: Env) -> Result<Value> {
        match &e.kind {
            ExprKind::Const(v) => Ok(v.clone()),
            ExprKind::Load(name) => self.load(name, env),
            ExprKind::Binary { op, op_span, lhs, rhs } => {
                if let Some(v) = self.fast_int(e, env) {
                    return Ok(Value::Int(v));
                }
                let l = self.eval(lhs, env)?;
                let r = self.eval(rhs, env)?;
                Ok(ops::binary(*op, &l, &r, *op_span, lhs.span, rhs.span)?)
            }
            ExprKind::Unary { op, operand } => {
                let v = self.eval(operand, env)?;
                Ok(ops::unary(*op, &v, e.span)?)
            }
            ExprKind::Compare { first, rest } => {
                if let Some(b) = self.fast_bool(e, env) {
                    return Ok(Value::Bool(b));
                }
                let mut left = self.eval(first, env)?;
                let mut left_span = first.span;
                // Array comparisons combine elementwise: `a < b < c` is `(a < b) & (b < c)`.
                let mut combined: Option<Value> = None;
                for (op, op_span, right_expr) in rest {
                    let right = self.eval(right_expr, env)?;
                    let result = ops::compare(*op, &left, &right, *op_span, left_span, right_expr.span)?;
                    if let Value::Array(_) = result {
                        combined = Some(match combined {
                            None => result,
                            Some(prev) => logical(BinaryFn::LogicalAnd, &prev, &result, *op_span)?,
                        });
                    } else if !ops::truthy(&result, e.span)? {
                        return Ok(Value::Bool(false));
                    }
                    left = right;
                    left_span = right_expr.span;
                }
                Ok(combined.unwrap_or(Value::Bool(true)))
            }
            ExprKind::And(l, r) => {
                let lv = self.eval(l, env)?;
                if let Value::Array(_) = lv {
                    let rv = self.eval(r, env)?;
                    return Ok(logical(BinaryFn::LogicalAnd, &lv, &rv, e.span)?);
                }
                if !ops::truthy(&lv, l.span)? {
                    return Ok(Value::Bool(false));
                }
                let rv = self.eval(r, env)?;
                if let Value::Array(_) = rv {
                    return Ok(logical(BinaryFn::LogicalAnd, &Value::Bool(true), &rv, e.span)?);
                }
                Ok(Value::Bool(ops::truthy(&rv, r.span)?))
            }
            ExprKind::Or(l, r) => {
                let lv = self.eval(l, env)?;
                if let Value::Array(_) = lv {
                    let rv = self.eval(r, env)?;
                    return Ok(logical(BinaryFn::LogicalOr, &lv, &rv, e.span)?);
                }
                if ops::truthy(&lv, l.span)? {
                    return Ok(Value::Bool(true));
                }
                let rv = self.eval(r, env)?;
                if let Value::Array(_) = rv {
                    return Ok(logical(BinaryFn::LogicalOr, &Value::Bool(false), &rv, e.span)?);
                }
                Ok(Value::Bool(ops::truthy(&rv, r.span)?))
            }
            ExprKind::Not(x) => {
                let v = self.eval(x, env)?;
                if let Value::Array(a) = &v {
                    let as_bool = crate::graph::build::cast(a, crate::graph::DType::Bool, e.span);
                    return Ok(arrays::finish(crate::graph::build::unary(
                        crate::graph::UnaryFn::BitNot,
                        &as_bool,
                        e.span,
                    )?)?);
                }
                Ok(Value::Bool(!ops::truthy(&v, x.span)?))
            }
            ExprKind::IfElse { cond, then, otherwise } => {
                let c = self.eval(cond, env)?;
                if ops::truthy(&c, cond.span)? {
                    self.eval(then, env)
                } else {
                    self.eval(otherwise, env)
                }
            }
            ExprKind::Call { func, args } => {
                let f = self.eval(func, env)?;
                let (positional, keywords) = self.eval_args(args, env)?;
                self.call(&f, positional, keywords, e.span)
            }
            ExprKind::MethodCall { receiver, method, args } => {
                let recv = self.eval(receiver, env)?;
                let (mut positional, keywords) = self.eval_args(args, env)?;
                if let Value::Module(m) = &recv {
                    let f = self.module_member(m, &method.name, method.span)?;
                    return self.call(&f, positional, keywords, e.span);
                }
                let f = self.load_method(method, &recv, env)?;
                positional.insert(0, (recv, receiver.span));
                self.call(&f, positional, keywords, e.span)
            }
            ExprKind::Tuple(items) => {
                let values = items.iter().map(|x| self.eval(x, env)).collect::<Result<Vec<_>>>()?;
                Ok(Value::tuple(values))
            }
            ExprKind::List(items) => {
                let values = items.iter().map(|x| Ok((self.eval(x, env)?, x.span))).collect::<Result<Vec<_>>>()?;
                Ok(arrays::literal(&values, e.span)?)
            }
            ExprKind::FString(parts) => {
                let mut text = String::new();
                for part in parts {
                    match part {
                        FStringPart::Text(t) => text.push_str(t),
                        FStringPart::Field { expr, spec, span } => {
                            let mut value = self.eval(expr, env)?;
                            arrays::observe(&value, expr.span)?;
                            if let (Value::Array(a), Some(_)) = (&value, spec) {
                                if a.size() == 1 {
                                    value = arrays::item(a, expr.span)?;
                                }
                            }
                            match spec {
                                None => text.push_str(&format::to_str(&value)),
                                Some(spec) => text.push_str(&fmtspec::format_value(&value, spec, *span)?),
                            }
                        }
                    }
                }
                Ok(Value::Str(Rc::from(text)))
            }
            ExprKind::Index { target, subscripts, bracket_span } => {
                let value = self.eval(target, env)?;
                self.index(value, subscripts, *bracket_span, env)
            }
            ExprKind::Attr { target, name } => {
                let value = self.eval(target, env)?;
                match &value {
                    Value::Module(m) => self.module_member(m, &name.name, name.span),
                    Value::Array(a) if is_array_attribute(&name.name) => Ok(array_attribute(a, &name.name, e.span)?),
                    other => Err(Diag::new(
                        Code::Type,
                        name.span,
                        format!("{} has no attribute `{}`", other.described(), name.name),
                        "unknown attribute",
                    )
                    .into()),
                }
            }
            ExprKind::Lambda(code, defaults) => {
                let defaults = defaults.iter().map(|d| self.eval(d, env)).collect::<Result<Vec<_>>>()?;
                Ok(Value::Function(Rc::new(Closure {
                    code: code.clone(),
                    defaults,
                    env: env.frame.cloned(),
                    module: env.module.clone(),
                })))
            }
        }
    }

    fn eval_args(&mut self, args: &[Arg], env: Env) -> Result<(Positional, Keywords)> {
        let mut positional = Vec::with_capacity(args.len());
        let mut keywords = Vec::new();
        for arg in args {
            let value = self.eval(&arg.value, env)?;
            match &arg.keyword {
                None => positional.push((value, arg.value.span)),
                Some(k) => keywords.push((k.clone(), value, arg.value.span)),
            }
        }
        Ok((positional, keywords))
    }

    pub(super) fn load(&self, name: &Name, env: Env) -> Result<Value> {
        match name.var {
            Var::Local { depth, slot } => {
                let frame = frame_at(env, depth);
                let slots = frame.slots.borrow();
                match &slots[slot as usize] {
                    Some(v) => Ok(v.clone()),
                    None => Err(Diag::new(
                        Code::Name,
                        name.span,
                        format!("`{}` is used before it is assigned", name.name),
                        "not assigned yet",
                    )
                    .with_help(format!(
                        "`{}` is assigned somewhere in this function, which makes it local to the function",
                        name.name
                    ))
                    .into()),
                }
            }
            Var::Global { slot } => {
                if let Some(v) = &env.module.globals.borrow().values[slot as usize] {
                    return Ok(v.clone());
                }
                match name.builtin {
                    Some(b) => Ok(self.builtin_value(b)),
                    None => Err(self.undefined(name, env).into()),
                }
            }
        }
    }

    pub(super) fn builtin_value(&self, b: &'static crate::builtins::Builtin) -> Value {
        match b.kind {
            BuiltinKind::Function(_) => Value::Builtin(b),
            BuiltinKind::Constant(make) => make(self),
        }
    }

    /// The function `f` of `x.f(...)`: whatever `f` names where the call is written.
    fn load_method(&self, method: &Name, receiver: &Value, env: Env) -> Result<Value> {
        self.load(method, env).map_err(|_| {
            Box::from(
                Diag::new(
                    Code::Name,
                    method.span,
                    format!("no function `{}` to call on {}", method.name, receiver.described()),
                    "unknown method",
                )
                .with_help(format!(
                    "`x.{0}(...)` calls `{0}(x, ...)`, so `{0}` must be a builtin or a function in scope",
                    method.name
                )),
            )
        })
    }

    fn undefined(&self, name: &Name, env: Env) -> Diag {
        let globals = env.module.globals.borrow();
        let mut candidates: Vec<&str> = globals.bound().map(|(n, _)| &**n).collect();
        candidates.extend(crate::builtins::all().iter().map(|b| b.name));
        let mut diag = Diag::new(Code::Name, name.span, format!("`{}` is not defined", name.name), "undefined name");
        if let Some(hint) = crate::syntax::python_habits::name_hint(&name.name) {
            diag = diag.with_help(hint);
        } else if let Some(close) = did_you_mean(&name.name, candidates) {
            diag = diag.with_help(format!("did you mean `{close}`?"));
        }
        diag
    }

    pub(super) fn index_args(&mut self, subscripts: &[Subscript], env: Env) -> Result<Vec<(IndexArg, Span)>> {
        subscripts
            .iter()
            .map(|s| {
                Ok(match s {
                    Subscript::Ellipsis(span) => (IndexArg::Ellipsis, *span),
                    Subscript::Slice { start, stop, step, span } => {
                        let mut part = |p: &Option<Expr>| -> Result<Option<i64>> {
                            match p {
                                None => Ok(None),
                                Some(x) => match self.eval(x, env)? {
                                    Value::None => Ok(None),
                                    v => Ok(Some(ops::expect_index(&v, x.span)?)),
                                },
                            }
                        };
                        (IndexArg::Slice(part(start)?, part(stop)?, part(step)?), *span)
                    }
                    Subscript::Expr(x) => {
                        let v = self.eval(x, env)?;
                        let arg = match v {
                            Value::None => IndexArg::NewAxis,
                            Value::Array(a) if a.ndim() > 0 || a.dtype == crate::graph::DType::Bool => {
                                IndexArg::Array(a)
                            }
                            Value::Tuple(_) => IndexArg::Array(arrays::to_array(&v, x.span)?),
                            other => IndexArg::Int(ops::expect_index(&other, x.span)?),
                        };
                        (arg, x.span)
                    }
                })
            })
            .collect()
    }

    fn index(&mut self, value: Value, subscripts: &[Subscript], span: Span, env: Env) -> Result<Value> {
        if let Value::Array(a) = &value {
            let args = self.index_args(subscripts, env)?;
            return Ok(arrays::finish(crate::graph::index::index(a, &args, span, &crate::exec::count_true)?)?);
        }
        let [subscript] = subscripts else {
            return Err(Diag::new(
                Code::Index,
                span,
                format!("{} takes one index, not {}", value.described(), subscripts.len()),
                "too many indices",
            )
            .into());
        };
        let len = match &value {
            Value::Tuple(t) => t.len(),
            Value::Str(s) => s.chars().count(),
            Value::Range(r) => r.len(),
            other => {
                return Err(Diag::new(
                    Code::Type,
                    span,
                    format!("{} cannot be indexed", other.described()),
                    "indexed here",
                )
                .into())
            }
        };
        match subscript {
            Subscript::Expr(x) => {
                let i = self.eval(x, env)?;
                let i = ops::expect_index(&i, x.span)?;
                let at = normalize_index(i, len).ok_or_else(|| {
                    Diag::new(
                        Code::Index,
                        x.span,
                        format!("index {i} is out of range for {} of length {len}", value.described()),
                        "out of range",
                    )
                })?;
                Ok(match &value {
                    Value::Tuple(t) => t[at].clone(),
                    Value::Str(s) => Value::Str(Rc::from(s.chars().nth(at).unwrap_or(' ').to_string())),
                    Value::Range(r) => Value::Int(r.get(at)),
                    _ => unreachable!("checked above"),
                })
            }
            Subscript::Slice { start, stop, step, .. } => {
                let mut part = |p: &Option<Expr>| -> Result<Option<i64>> {
                    match p {
                        None => Ok(None),
                        Some(x) => {
                            let v = self.eval(x, env)?;
                            match v {
                                Value::None => Ok(None),
                                v => Ok(Some(ops::expect_index(&v, x.span)?)),
                            }
                        }
                    }
                };
                let (start, stop, step_value) = (part(start)?, part(stop)?, part(step)?);
                if step_value == Some(0) {
                    let step_span = step.as_ref().map_or(span, |s| s.span);
                    return Err(Diag::new(Code::Value, step_span, "slice step cannot be zero", "zero step").into());
                }
                let picks = slice_indices(start, stop, step_value.unwrap_or(1), len);
                Ok(match &value {
                    Value::Tuple(t) => Value::tuple(picks.map(|i| t[i].clone()).collect()),
                    Value::Str(s) => {
                        let chars: Vec<char> = s.chars().collect();
                        Value::Str(Rc::from(picks.map(|i| chars[i]).collect::<String>()))
                    }
                    Value::Range(r) => Value::tuple(picks.map(|i| Value::Int(r.get(i))).collect()),
                    _ => unreachable!("checked above"),
                })
            }
            Subscript::Ellipsis(s) => {
                Err(Diag::new(Code::Index, *s, format!("`...` cannot index {}", value.described()), "only for arrays")
                    .into())
            }
        }
    }
}

/// Elementwise `and`/`or` where one side is an array.
fn logical(f: BinaryFn, l: &Value, r: &Value, span: Span) -> std::result::Result<Value, Diag> {
    let symbol = if f == BinaryFn::LogicalAnd { "and" } else { "or" };
    arrays::elementwise(f, symbol, l, r, span, span, span)
}

fn is_array_attribute(name: &str) -> bool {
    matches!(name, "shape" | "ndim" | "size" | "dtype" | "T")
}

fn array_attribute(a: &Array, name: &str, span: Span) -> std::result::Result<Value, Diag> {
    Ok(match name {
        "shape" => arrays::rc_tuple(a.shape.iter().map(|&d| Value::Int(d as i64)).collect()),
        "ndim" => Value::Int(a.ndim() as i64),
        "size" => Value::Int(a.size() as i64),
        "dtype" => Value::DType(a.dtype),
        _ => Value::Array(crate::graph::build::transpose(a, (0..a.ndim()).rev().collect(), span)),
    })
}
