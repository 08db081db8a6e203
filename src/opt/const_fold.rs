//! Constant folding: an elementwise operation, cast or view whose inputs are all
//! constants becomes a constant, computed once by the same kernels that would
//! have computed every element.

use super::plan::{Expr, Plan};
use super::Pass;
use crate::graph::ArrayData;
use crate::num::elementwise;

pub struct ConstFold;

impl Pass for ConstFold {
    fn name(&self) -> &'static str {
        "const-fold"
    }

    fn run(&self, plan: &mut Plan) -> bool {
        let mut changed = false;
        for id in plan.live() {
            let constant = |i: usize| match &plan.nodes[i].expr {
                Expr::Const(s) => Some(ArrayData::scalar(*s, plan.nodes[i].dtype)),
                _ => None,
            };
            let node = &plan.nodes[id];
            let folded = match &node.expr {
                Expr::Unary(f, a) => constant(*a).map(|a| elementwise::unary(*f, &a, node.dtype)),
                Expr::Binary { f, compute, lhs, rhs } => match (constant(*lhs), constant(*rhs)) {
                    // An operation that fails (an int to a negative power) is left
                    // to fail when run, at its own span.
                    (Some(a), Some(b)) => elementwise::binary(*f, *compute, &a, &b, &[]).ok(),
                    _ => None,
                },
                Expr::Where { cond, x, y } => match (constant(*cond), constant(*x), constant(*y)) {
                    (Some(c), Some(x), Some(y)) => Some(elementwise::select(&c, &x, &y, &[])),
                    _ => None,
                },
                Expr::Cast(a) => constant(*a).map(|a| a.cast(node.dtype)),
                // A view of a constant is the same constant in another shape.
                Expr::View(_, a) => constant(*a),
                _ => None,
            };
            if let Some(value) = folded.as_ref().and_then(ArrayData::first) {
                plan.nodes[id].expr = Expr::Const(value);
                changed = true;
            }
        }
        changed
    }
}
