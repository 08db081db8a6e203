//! The communication a placed plan takes, with the bytes each rank sends: what
//! `explain` shows on several ranks. It follows what `exec::distributed` does
//! for each placement (`tests/ranks.rs` compares a stencil's with `--time`).

use super::{block_range, need_of, reads_per_rank, Mode, Placed, Placement, Step};
use crate::dist::layout::{self, Layout};
use crate::graph::{DType, SliceElem, View};
use crate::opt::plan::{Expr, Id, Kernel, Plan};
use crate::opt::Bindings;

/// A communication step a placed plan takes, with the bytes each rank sends.
#[derive(Clone, Debug, PartialEq)]
pub enum Exchange {
    /// Rows of split `input` that ranks computing `reader` need from the ranks
    /// owning them (a stencil's halo), in one all-to-all.
    Halo { reader: Id, input: Id, rows_sent: Vec<usize>, bytes_sent: Vec<usize> },
    /// Each rank's partial result of `node` (`values` numbers) sent to every
    /// other rank, which all combine them in rank order.
    Combine { node: Id, values: usize, bytes_sent: Vec<usize> },
    /// A split input dealt out cyclically or in tiles, moved into rows for this
    /// plan by one all-to-all.
    IntoRows { input: Id, bytes_sent: Vec<usize> },
    /// The row of split `input` that `node` picks, sent by its owner to every
    /// other rank (one broadcast).
    Pick { node: Id, input: Id, bytes_sent: Vec<usize> },
    /// A split input joined whole on every rank (the plan runs whole).
    Join { input: Id, bytes_sent: Vec<usize> },
}

/// The communication `plan` takes on `size` ranks, placed as `placed` says
/// (`None`: it runs whole, joining its split inputs), in the order it runs.
pub fn exchanges(plan: &Plan, bindings: &Bindings, placed: Option<&Placed>, size: usize) -> Vec<Exchange> {
    let mut out = Vec::new();
    let Some(placed) = placed else {
        for id in plan.order() {
            if let Expr::Leaf(k) = plan.nodes[id].expr {
                let leaf = &bindings.leaves[k];
                if leaf.is_held_split() {
                    let node = &plan.nodes[id];
                    let row = row_bytes(&node.shape, node.dtype);
                    let sent = (0..size).map(|q| own_rows(&node.shape, size, q) * row * (size - 1)).collect();
                    out.push(Exchange::Join { input: id, bytes_sent: sent });
                }
            }
        }
        return out;
    };
    for id in plan.order() {
        let node = &plan.nodes[id];
        match (&node.expr, &placed.steps[id]) {
            (Expr::Leaf(k), _) => {
                let leaf = &bindings.leaves[*k];
                // Held dealt out, or created so for this plan.
                let dealt_out =
                    layout::cycle_of(&leaf.shape, &leaf.layout).is_some() || layout::tiles(&leaf.shape, &leaf.layout);
                if leaf.is_dealt_out() || (!leaf.is_computed() && dealt_out) {
                    let rows = Layout::default_for(leaf.shape.len(), size);
                    let bytes_sent = bytes_moved(leaf.shape.as_slice(), leaf.dtype, &leaf.layout, &rows, size);
                    out.push(Exchange::IntoRows { input: id, bytes_sent });
                }
            }
            (_, Some(Step::Kernel(kernel, mode))) => {
                out.extend(halos(plan, id, kernel, *mode, &placed.split, size));
                if let Mode::Combine(_) = mode {
                    out.push(combine(id, node.shape.iter().product(), size));
                }
            }
            (_, Some(Step::Dense(Placement::Combined))) => out.push(combine(id, node.shape.iter().product(), size)),
            (Expr::View(View::Slice(elems), input), Some(Step::Dense(Placement::Picked))) => {
                let SliceElem::Index(row) = elems[0] else { unreachable!("a picked row") };
                let shape = &plan.nodes[*input].shape;
                let owner = layout::block_owner(row, shape[0], size);
                let bytes = row_bytes(shape, plan.nodes[*input].dtype) * (size - 1);
                let bytes_sent = (0..size).map(|q| if q == owner { bytes } else { 0 }).collect();
                out.push(Exchange::Pick { node: id, input: *input, bytes_sent });
            }
            _ => {}
        }
    }
    out
}

fn combine(node: Id, values: usize, size: usize) -> Exchange {
    // Partials travel as 8-byte numbers (float64, or int64 for integers).
    Exchange::Combine { node, values, bytes_sent: vec![values * 8 * (size - 1); size] }
}

/// The rows of split inputs that kernel `reader` reads from other ranks.
fn halos(plan: &Plan, reader: Id, kernel: &Kernel, mode: Mode, split: &[bool], size: usize) -> Vec<Exchange> {
    let shapes: Vec<&[usize]> = kernel.inputs.iter().map(|&i| plan.nodes[i].shape.as_slice()).collect();
    let split_slots: Vec<bool> = kernel.inputs.iter().map(|&i| split[i]).collect();
    let reads = reads_per_rank(kernel, mode, &plan.nodes[reader].shape, &shapes, &split_slots, size);
    let mut out = Vec::new();
    let mut seen: Vec<Id> = Vec::new();
    for (k, &input) in kernel.inputs.iter().enumerate() {
        if !split[input] || seen.contains(&input) {
            continue;
        }
        seen.push(input);
        let n = shapes[k][0];
        let need = need_of(kernel, &reads, input);
        let rows_sent: Vec<usize> = (0..size)
            .map(|me| {
                let own = block_range(n, size, me);
                (0..size)
                    .filter(|&q| q != me)
                    .filter_map(|q| need[q])
                    .map(|rows| rows.1.min(own.1).saturating_sub(rows.0.max(own.0)))
                    .sum()
            })
            .collect();
        if rows_sent.iter().any(|&r| r > 0) {
            let row = row_bytes(shapes[k], plan.nodes[input].dtype);
            let bytes_sent = rows_sent.iter().map(|&r| r * row).collect();
            out.push(Exchange::Halo { reader, input, rows_sent, bytes_sent });
        }
    }
    out
}

/// The bytes each rank sends when a value moves from layout `from` to `to`.
pub fn bytes_moved(shape: &[usize], dtype: DType, from: &Layout, to: &Layout, size: usize) -> Vec<usize> {
    layout::elements_moved(shape, from, to, size).iter().map(|n| n * dtype.size_bytes()).collect()
}

/// The bytes of one row (along the first axis) of a value.
fn row_bytes(shape: &[usize], dtype: DType) -> usize {
    shape.iter().skip(1).product::<usize>() * dtype.size_bytes()
}

/// How many rows of a value of `shape` rank `q` of `size` owns in blocks.
fn own_rows(shape: &[usize], size: usize, q: usize) -> usize {
    let (a, b) = block_range(shape.first().copied().unwrap_or(1), size, q);
    b - a
}
