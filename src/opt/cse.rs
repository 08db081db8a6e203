//! Common-subexpression elimination: nodes with the same operation on the same
//! inputs (and so the same shape and dtype) are merged into the first of them.
//! Random numbers are leaves, never compared by structure, so two draws are never
//! merged.

use std::collections::HashMap;

use super::plan::{Expr, Plan};
use super::Pass;

pub struct Cse;

impl Pass for Cse {
    fn name(&self) -> &'static str {
        "cse"
    }

    fn run(&self, plan: &mut Plan) -> bool {
        let mut first_of: HashMap<String, usize> = HashMap::new();
        let mut replaced: Vec<usize> = (0..plan.nodes.len()).collect();
        let mut changed = false;
        // Ascending ids are a topological order, so inputs are renamed before
        // the nodes that read them are compared.
        for id in plan.live() {
            let node = &mut plan.nodes[id];
            node.expr.map_inputs(|i| replaced[i]);
            let key = format!("{:?}|{:?}|{:?}", node.expr, node.shape, node.dtype);
            let materialize = node.materialize;
            match first_of.get(&key) {
                Some(&earlier) => {
                    replaced[id] = earlier;
                    plan.nodes[earlier].materialize = plan.nodes[earlier].materialize.or(materialize);
                    plan.nodes[id].expr = Expr::Dead;
                    changed = true;
                }
                None => {
                    first_of.insert(key, id);
                }
            }
        }
        plan.root = replaced[plan.root];
        changed
    }
}
