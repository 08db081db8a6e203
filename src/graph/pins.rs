//! What a pending value keeps alive. A loop-carried value that is never
//! observed (conjugate gradient's `x = x + alpha * p`, read only after the
//! loop) would hold, through its pending graph, every array it was built from
//! (each iteration's `p`) until it is finally computed: memory that grows with
//! the iteration count. Counting those arrays lets the evaluator compute such a
//! value before it pins more than a few times its own size.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::node::{Array, Node, State};

/// Most pending nodes looked at: the count is a heuristic and must stay cheap.
const SEARCH_LIMIT: usize = 256;

/// Elements of the computed arrays that only `root`'s pending graph still holds
/// (no name, no other pending value): what computing `root` now would free.
/// Counts at most `SEARCH_LIMIT` pending nodes.
pub fn elements_held_only_by(root: &Array) -> usize {
    // For each computed array met: how many references the graph holds.
    let mut computed: HashMap<*const Node, (Array, usize)> = HashMap::new();
    let mut seen: HashSet<*const Node> = HashSet::new();
    let mut stack = vec![root.clone()];
    while let Some(node) = stack.pop() {
        if !seen.insert(Rc::as_ptr(&node)) || seen.len() > SEARCH_LIMIT {
            continue;
        }
        if let State::Pending(op) = &*node.state.borrow() {
            op.for_each_input(|input| {
                if matches!(&*input.state.borrow(), State::Done(_)) {
                    computed.entry(Rc::as_ptr(input)).or_insert_with(|| (input.clone(), 0)).1 += 1;
                } else {
                    stack.push(input.clone());
                }
            });
        }
    }
    computed
        .values()
        // The graph's own references, plus the clone in this map.
        .filter(|(array, references)| Rc::strong_count(array) == references + 1)
        .map(|(array, _)| array.size())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::build::{binary, Operand};
    use crate::graph::{ArrayData, BinaryFn, Node, Scalar};
    use crate::syntax::Span;

    fn computed(n: usize) -> Array {
        Node::from_data(ArrayData::full(&[n], Scalar::Float(1.0), crate::graph::DType::Float64), Span::default())
    }

    fn add(a: &Array, b: &Array) -> Array {
        binary(BinaryFn::Add, Operand::Array(a.clone()), Operand::Array(b.clone()), Span::default()).unwrap()
    }

    #[test]
    fn counts_only_arrays_nothing_else_holds() {
        let (x, p) = (computed(100), computed(100));
        let mut chain = add(&x, &p);
        // `x` and `p` are still held here: nothing would be freed.
        assert_eq!(elements_held_only_by(&chain), 0);
        drop((x, p));
        assert_eq!(elements_held_only_by(&chain), 2 * 100);
        // Each step pins one more array that only the chain holds.
        for _ in 0..3 {
            chain = add(&chain, &computed(100));
        }
        assert_eq!(elements_held_only_by(&chain), 5 * 100);
    }

    #[test]
    fn an_array_read_twice_by_the_graph_is_still_only_held_by_it() {
        let p = computed(10);
        let twice = add(&p, &p);
        drop(p);
        assert_eq!(elements_held_only_by(&twice), 10);
    }
}
