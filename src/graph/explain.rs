//! `explain(a)`: the pending plan of an array as indented text, one node a line.
//! (The optimizer milestone replaces this with the optimized, fused plan.)

use std::collections::HashSet;

use super::node::{Array, Node};
use super::shape;

pub fn plan(a: &Array) -> String {
    let mut out = String::new();
    let mut seen = HashSet::new();
    line(a, 0, &mut out, &mut seen);
    out.trim_end().to_string()
}

fn line(node: &Array, depth: usize, out: &mut String, seen: &mut HashSet<*const Node>) {
    let id = std::rc::Rc::as_ptr(node);
    let again = !seen.insert(id);
    out.push_str(&format!(
        "{}{} -> {} {}{}\n",
        "  ".repeat(depth),
        node.describe(),
        shape::show(&node.shape),
        node.dtype.name(),
        if again { " (shared, shown above)" } else { "" }
    ));
    if !again {
        for input in node.inputs() {
            line(&input, depth + 1, out, seen);
        }
    }
}
