//! Fast paths for the scalar work of loops: int arithmetic and comparisons of
//! int constants and variables, computed in place, without building, cloning
//! and dispatching on `Value`s (the clones alone stalled on store forwarding).
//!
//! Each returns `None` for anything it does not cover (a float, an overflow, a
//! division by zero, an unassigned name), and the caller then evaluates the
//! expression in full, which reports any error. The expressions covered have no
//! side effects, so evaluating one twice is harmless.

use super::code::{Expr, ExprKind, Name, Var};
use super::exec::frame_at;
use super::ops::int_exact;
use super::value::Value;
use super::{Env, Interp};
use crate::graph::Scalar;
use crate::syntax::ast::{CompareOp, UnaryOp};

impl Interp {
    /// The value of an int expression: `+ - * // % **` and bit operations,
    /// negation, and `a if c else b`, over int constants and variables.
    pub(super) fn fast_int(&self, e: &Expr, env: Env) -> Option<i64> {
        match &e.kind {
            ExprKind::Const(Value::Int(v)) => Some(*v),
            ExprKind::Load(name) => self.int_variable(name, env),
            ExprKind::Binary { op, lhs, rhs, .. } => int_exact(*op, self.fast_int(lhs, env)?, self.fast_int(rhs, env)?),
            ExprKind::Unary { op: UnaryOp::Neg, operand } => self.fast_int(operand, env)?.checked_neg(),
            ExprKind::IfElse { cond, then, otherwise } => {
                self.fast_int(if self.fast_bool(cond, env)? { then } else { otherwise }, env)
            }
            _ => None,
        }
    }

    /// The value of a condition: comparisons of int expressions (chained as
    /// `a < b < c`), `and`, `or`, `not`, over bool constants and variables.
    pub(super) fn fast_bool(&self, e: &Expr, env: Env) -> Option<bool> {
        match &e.kind {
            ExprKind::Const(Value::Bool(b)) => Some(*b),
            ExprKind::Load(name) => match self.peek(name, env)? {
                Scalar::Bool(b) => Some(b),
                _ => None,
            },
            ExprKind::Compare { first, rest } => {
                let mut left = self.fast_int(first, env)?;
                let mut holds = true;
                for (op, _, right) in rest {
                    let right = self.fast_int(right, env)?;
                    holds &= match op {
                        CompareOp::Eq => left == right,
                        CompareOp::Ne => left != right,
                        CompareOp::Lt => left < right,
                        CompareOp::Le => left <= right,
                        CompareOp::Gt => left > right,
                        CompareOp::Ge => left >= right,
                    };
                    left = right;
                }
                Some(holds)
            }
            ExprKind::And(l, r) => Some(self.fast_bool(l, env)? && self.fast_bool(r, env)?),
            ExprKind::Or(l, r) => Some(self.fast_bool(l, env)? || self.fast_bool(r, env)?),
            ExprKind::Not(x) => Some(!self.fast_bool(x, env)?),
            _ => None,
        }
    }

    /// A variable's value when it is an int.
    pub(super) fn int_variable(&self, name: &Name, env: Env) -> Option<i64> {
        match self.peek(name, env)? {
            Scalar::Int(v) => Some(v),
            _ => None,
        }
    }

    /// A variable's value when it is an int or a bool: a copy, small enough to
    /// stay in registers, unlike a cloned `Value`.
    #[inline(always)]
    fn peek(&self, name: &Name, env: Env) -> Option<Scalar> {
        let of = |value: &Option<Value>| match value {
            Some(Value::Int(v)) => Some(Scalar::Int(*v)),
            Some(Value::Bool(b)) => Some(Scalar::Bool(*b)),
            _ => None,
        };
        match name.var {
            Var::Local { depth, slot } => of(&frame_at(env, depth).slots.borrow()[slot as usize]),
            Var::Global { slot } => of(&env.module.globals.borrow().values[slot as usize]),
        }
    }
}
