//! Sibling fusion: sums (and means) over the same iteration space and axes that
//! read common inputs — `sum(call) + sum(put)` in Black-Scholes — become one
//! kernel computing all of them in one pass. Their programs are merged with equal
//! ops shared, so a value both need is computed once per chunk and never
//! materialized.

use std::collections::HashMap;

use super::plan::{Expr, Id, KKind, KOp, Kernel, Plan};
use super::Pass;
use crate::graph::ReduceFn;

pub struct FuseSiblings;

/// A kernel that can take part: a sum or mean with no other outputs yet.
fn candidate(plan: &Plan, id: Id) -> Option<(String, &Kernel)> {
    let Expr::Kernel(k) = &plan.nodes[id].expr else { return None };
    let (f, axes) = k.reduce.as_ref()?;
    let plain = k.update.is_none() && k.then.is_none() && k.extra.is_empty() && k.result.is_none();
    (plain && matches!(f, ReduceFn::Sum | ReduceFn::Mean)).then(|| (format!("{:?}|{axes:?}", k.shape), k))
}

impl Pass for FuseSiblings {
    fn name(&self) -> &'static str {
        "fuse-siblings"
    }

    fn run(&self, plan: &mut Plan) -> bool {
        let mut groups: HashMap<String, Vec<Id>> = HashMap::new();
        for id in plan.live() {
            if let Some((key, _)) = candidate(plan, id) {
                groups.entry(key).or_default().push(id);
            }
        }
        let mut changed = false;
        for ids in groups.into_values().filter(|ids| ids.len() > 1) {
            let (base, others) = ids.split_first().expect("two or more");
            let shares = |a: &Kernel, b: &Kernel| a.inputs.iter().any(|i| b.inputs.contains(i));
            let Expr::Kernel(mut merged) = plan.nodes[*base].expr.clone() else { continue };
            merged.result = Some(merged.result_op());
            for &other in others {
                let Expr::Kernel(k) = plan.nodes[other].expr.clone() else { continue };
                // Siblings that read nothing in common gain nothing from sharing a
                // pass; one that needs the other's result cannot share its pass.
                if !shares(&merged, &k) || depends_on(plan, other, *base) || depends_on(plan, *base, other) {
                    continue;
                }
                let result = absorb(&mut merged, &k);
                let (f, _) = k.reduce.clone().expect("a candidate reduces");
                merged.extra.push((f, result, plan.nodes[other].dtype));
                plan.nodes[other].expr = Expr::Output { kernel: *base, index: merged.extra.len() };
                // Written back at once, so the next sibling's dependency check sees it.
                plan.nodes[*base].expr = Expr::Kernel(merged.clone());
                changed = true;
            }
        }
        changed
    }
}

/// True when computing `from` needs `target`.
fn depends_on(plan: &Plan, from: Id, target: Id) -> bool {
    let mut seen = vec![false; plan.nodes.len()];
    let mut stack = plan.nodes[from].expr.inputs();
    while let Some(id) = stack.pop() {
        if id == target {
            return true;
        }
        if !std::mem::replace(&mut seen[id], true) {
            stack.extend(plan.nodes[id].expr.inputs());
        }
    }
    false
}

/// Appends `k`'s program to `into`, reusing equal ops; returns where `k`'s
/// result ended up.
fn absorb(into: &mut Kernel, k: &Kernel) -> usize {
    let mut moved = Vec::with_capacity(k.ops.len());
    for op in &k.ops {
        let kind = match &op.kind {
            KKind::Load { input, views } => {
                let id = k.inputs[*input];
                let input = into.inputs.iter().position(|&i| i == id).unwrap_or_else(|| {
                    into.inputs.push(id);
                    into.inputs.len() - 1
                });
                KKind::Load { input, views: views.clone() }
            }
            KKind::Const(v) => KKind::Const(*v),
            KKind::Unary(f, a) => KKind::Unary(*f, moved[*a]),
            KKind::Binary(f, c, a, b) => KKind::Binary(*f, *c, moved[*a], moved[*b]),
            KKind::Where(c, a, b) => KKind::Where(moved[*c], moved[*a], moved[*b]),
            KKind::Convert(a) => KKind::Convert(moved[*a]),
        };
        let op = KOp { kind, dtype: op.dtype };
        let at = into.ops.iter().position(|o| *o == op).unwrap_or_else(|| {
            into.ops.push(op);
            into.ops.len() - 1
        });
        moved.push(at);
    }
    moved[k.result_op()]
}
