//! Expressions.

use std::rc::Rc;

use super::code::{Arg, Expr, ExprKind, FStringPart, Name, Subscript, Var};
use super::exec::frame_at;
use super::value::{Closure, Value};
use super::{fmtspec, format, ops, Env, Interp, Result};
use crate::builtins::BuiltinKind;
use crate::diag::{did_you_mean, Code, Diag};
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
                let l = self.eval(lhs, env)?;
                let r = self.eval(rhs, env)?;
                Ok(ops::binary(*op, &l, &r, *op_span, lhs.span, rhs.span)?)
            }
            ExprKind::Unary { op, operand } => {
                let v = self.eval(operand, env)?;
                Ok(ops::unary(*op, &v, e.span)?)
            }
            ExprKind::Compare { first, rest } => {
                let mut left = self.eval(first, env)?;
                let mut left_span = first.span;
                for (op, op_span, right_expr) in rest {
                    let right = self.eval(right_expr, env)?;
                    let result = ops::compare(*op, &left, &right, *op_span, left_span, right_expr.span)?;
                    if !ops::truthy(&result, e.span)? {
                        return Ok(Value::Bool(false));
                    }
                    left = right;
                    left_span = right_expr.span;
                }
                Ok(Value::Bool(true))
            }
            ExprKind::And(l, r) => {
                let lv = self.eval(l, env)?;
                if !ops::truthy(&lv, l.span)? {
                    return Ok(Value::Bool(false));
                }
                let rv = self.eval(r, env)?;
                Ok(Value::Bool(ops::truthy(&rv, r.span)?))
            }
            ExprKind::Or(l, r) => {
                let lv = self.eval(l, env)?;
                if ops::truthy(&lv, l.span)? {
                    return Ok(Value::Bool(true));
                }
                let rv = self.eval(r, env)?;
                Ok(Value::Bool(ops::truthy(&rv, r.span)?))
            }
            ExprKind::Not(x) => {
                let v = self.eval(x, env)?;
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
            ExprKind::List(_) => {
                Err(Diag::new(Code::Type, e.span, "array literals are not available yet", "an array literal")
                    .with_help("arrays arrive with the arrays milestone; use a tuple `(1, 2, 3)` for now")
                    .into())
            }
            ExprKind::FString(parts) => {
                let mut text = String::new();
                for part in parts {
                    match part {
                        FStringPart::Text(t) => text.push_str(t),
                        FStringPart::Field { expr, spec, span } => {
                            let value = self.eval(expr, env)?;
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
        if let Some(close) = did_you_mean(&name.name, candidates) {
            diag = diag.with_help(format!("did you mean `{close}`?"));
        }
        diag
    }

    fn index(&mut self, value: Value, subscripts: &[Subscript], span: Span, env: Env) -> Result<Value> {
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

/// Python's index normalization: negative indices count from the end.
pub fn normalize_index(i: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let i = if i < 0 { i + len } else { i };
    (0..len).contains(&i).then_some(i as usize)
}

/// The positions a slice `start:stop:step` selects from `len` items, clamped as
/// Python and NumPy clamp them.
pub fn slice_indices(start: Option<i64>, stop: Option<i64>, step: i64, len: usize) -> impl Iterator<Item = usize> {
    let len = len as i64;
    let clamp = |v: i64, lo: i64, hi: i64| if v < 0 { (v + len).max(lo) } else { v.min(hi) };
    let (first, end) = if step > 0 {
        (start.map_or(0, |s| clamp(s, 0, len)), stop.map_or(len, |s| clamp(s, 0, len)))
    } else {
        (start.map_or(len - 1, |s| clamp(s, -1, len - 1)), stop.map_or(-1, |s| clamp(s, -1, len - 1)))
    };
    let count = if step > 0 {
        if end > first {
            (end - first + step - 1) / step
        } else {
            0
        }
    } else if first > end {
        (first - end + (-step) - 1) / (-step)
    } else {
        0
    };
    (0..count).map(move |k| (first + k * step) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picks(start: Option<i64>, stop: Option<i64>, step: i64, len: usize) -> Vec<usize> {
        slice_indices(start, stop, step, len).collect()
    }

    #[test]
    fn slices_clamp_like_python() {
        assert_eq!(picks(None, None, 1, 4), vec![0, 1, 2, 3]);
        assert_eq!(picks(Some(1), Some(-1), 1, 4), vec![1, 2]);
        assert_eq!(picks(None, None, -1, 3), vec![2, 1, 0]);
        assert_eq!(picks(Some(-100), Some(2), 1, 5), vec![0, 1]);
        assert_eq!(picks(Some(10), Some(20), 1, 5), Vec::<usize>::new());
        assert_eq!(picks(None, None, -2, 5), vec![4, 2, 0]);
        assert_eq!(picks(Some(3), Some(0), -1, 5), vec![3, 2, 1]);
    }

    #[test]
    fn negative_indices_count_from_the_end() {
        assert_eq!(normalize_index(-1, 3), Some(2));
        assert_eq!(normalize_index(3, 3), None);
        assert_eq!(normalize_index(-4, 3), None);
    }
}
