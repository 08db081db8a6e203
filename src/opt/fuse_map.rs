//! Map-map fusion: each region of elementwise operations, views and constants
//! that ends at a kernel end (see `fusible::kernel_ends`) becomes one kernel, a
//! program computed in one pass over memory. Views are pushed down to the loads
//! (a view of an elementwise result is that operation on views of its inputs), so
//! slices, transposes and broadcasts cost no copy.

use std::collections::HashMap;

use super::fusible::{absorbable, kernel_ends};
use super::plan::{Expr, Id, KKind, KOp, Kernel, Plan};
use super::Pass;
use crate::graph::{DType, UnaryFn, View};

pub struct FuseMap;

impl Pass for FuseMap {
    fn name(&self) -> &'static str {
        "fuse-map"
    }

    fn run(&self, plan: &mut Plan) -> bool {
        let ends = kernel_ends(plan);
        let mut changed = false;
        for id in plan.live() {
            if !ends[id] || matches!(plan.nodes[id].expr, Expr::Kernel(_)) {
                continue;
            }
            let mut builder = Builder { plan, ends: &ends, end: id, kernel: Kernel::default(), memo: HashMap::new() };
            builder.absorb(id, Vec::new());
            let kernel = builder.kernel;
            if kernel.ops.iter().any(|op| !matches!(op.kind, KKind::Load { .. } | KKind::Const(_))) {
                let shape = plan.nodes[id].shape.clone();
                plan.nodes[id].expr = Expr::Kernel(Kernel { shape, ..kernel });
                changed = true;
            }
        }
        changed
    }
}

struct Builder<'p> {
    plan: &'p Plan,
    ends: &'p [bool],
    /// The node the kernel computes.
    end: Id,
    kernel: Kernel,
    /// The op already computing a node seen through a list of views.
    memo: HashMap<(Id, String), usize>,
}

impl Builder<'_> {
    fn push(&mut self, kind: KKind, dtype: DType) -> usize {
        self.kernel.ops.push(KOp { kind, dtype });
        self.kernel.ops.len() - 1
    }

    /// The op computing node `id` seen through `views` (applied in order).
    fn absorb(&mut self, id: Id, views: Vec<View>) -> usize {
        let key = (id, format!("{views:?}"));
        if let Some(&op) = self.memo.get(&key) {
            return op;
        }
        let op = self.absorb_new(id, views);
        self.memo.insert(key, op);
        op
    }

    fn absorb_new(&mut self, id: Id, views: Vec<View>) -> usize {
        let node = &self.plan.nodes[id];
        let dtype = node.dtype;
        if id != self.end && (self.ends[id] || !absorbable(self.plan, id)) {
            return self.load(id, views);
        }
        match node.expr.clone() {
            Expr::Const(s) => self.push(KKind::Const(s.to_f64()), dtype),
            Expr::View(view, a) => {
                let mut inner = vec![view];
                inner.extend(views);
                self.absorb(a, inner)
            }
            Expr::Unary(f, a) => {
                let mut x = self.operand(id, a, &views);
                if !matches!(f, UnaryFn::IsNan | UnaryFn::IsInf | UnaryFn::IsFinite) {
                    x = self.convert(x, dtype);
                }
                self.push(KKind::Unary(f, x), dtype)
            }
            Expr::Binary { f, compute, lhs, rhs } => {
                let x = self.operand(id, lhs, &views);
                let x = self.convert(x, compute);
                let y = self.operand(id, rhs, &views);
                let y = self.convert(y, compute);
                self.push(KKind::Binary(f, compute, x, y), dtype)
            }
            Expr::Where { cond, x, y } => {
                let c = self.operand(id, cond, &views);
                let c = self.convert(c, DType::Bool);
                let a = self.operand(id, x, &views);
                let a = self.convert(a, dtype);
                let b = self.operand(id, y, &views);
                let b = self.convert(b, dtype);
                self.push(KKind::Where(c, a, b), dtype)
            }
            Expr::Cast(a) => {
                let x = self.operand(id, a, &views);
                self.convert(x, dtype)
            }
            _ => self.load(id, views),
        }
    }

    /// Input `input` of elementwise node `id`, broadcast to `id`'s shape, then
    /// seen through `views`.
    fn operand(&mut self, id: Id, input: Id, views: &[View]) -> usize {
        let shape = &self.plan.nodes[id].shape;
        let mut chain = Vec::new();
        if self.plan.nodes[input].shape != *shape {
            chain.push(View::BroadcastTo(shape.clone()));
        }
        chain.extend(views.iter().cloned());
        self.absorb(input, chain)
    }

    fn convert(&mut self, op: usize, to: DType) -> usize {
        if self.kernel.ops[op].dtype == to {
            return op;
        }
        self.push(KKind::Convert(op), to)
    }

    fn load(&mut self, id: Id, views: Vec<View>) -> usize {
        let input = match self.kernel.inputs.iter().position(|&i| i == id) {
            Some(k) => k,
            None => {
                self.kernel.inputs.push(id);
                self.kernel.inputs.len() - 1
            }
        };
        let dtype = self.plan.nodes[id].dtype;
        self.push(KKind::Load { input, views }, dtype)
    }
}
