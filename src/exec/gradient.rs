//! `transpose(X) @ f(X @ w)` in one pass over `X`: the gradient of a linear or
//! logistic regression, an SVM's subgradient. Computed one operation at a
//! time, `X` (200000 x 16 floats, 26 MB) is read twice per step, once by `X @ w`
//! and again by the transposed product, with the residual written and read
//! back in between; here each block of rows of `X` is read once while it is in
//! the cache: its dots with `w`, the elementwise `f` of those (the residual's
//! fused kernel, over the block's rows), and its rows scaled by the residual.
//!
//! The blocks and the order of every sum are those of the two products done
//! apart (`matvec::transposed_matrix_vector` and `row_dots`), so the result
//! is the same bit for bit.

use std::rc::Rc;

use ndarray::IxDyn;
use rayon::prelude::*;

use super::kernel::{self, Inputs, Placed, Program};
use super::matvec::{self, PARALLEL_PRODUCT};
use super::{evaluate, stats};
use crate::diag::Diag;
use crate::graph::node::State;
use crate::graph::{Array, ArrayData, DType, Nd, Op, View};
use crate::opt::plan::{Expr, Kernel};

/// The most columns of `X` (the length of the gradient) this path takes: its
/// blocks keep one partial gradient each.
const MAX_COLUMNS: usize = 4096;

/// `transpose(x) @ rhs` computed in one pass over `x`, when `lhs` is the
/// pending transpose of a computed row-major float64 matrix `x` (whole, or
/// split by rows) and `rhs` an elementwise float64 vector computed by one fused
/// kernel from `x @ w` (and any other computed values). `None` when it is not
/// such a product, or too small to gain (then nothing was computed); else the
/// sum over the rows of `x` this rank holds (all of them when `x` is whole;
/// `None` for a rank holding none), for the caller to combine across ranks.
/// Every rank decides alike: on shapes, layouts and the plan.
pub fn transposed_product(lhs: &Array, rhs: &Array) -> Result<Option<Option<ArrayData>>, Diag> {
    let Some(shape) = Shape::of(lhs, rhs) else { return Ok(None) };
    let (plan, bindings) = crate::opt::choose(rhs);
    let node = &plan.nodes[plan.root];
    let Expr::Kernel(k) = &node.expr else { return Ok(None) };
    if !is_plain_map(k) || node.dtype != DType::Float64 {
        return Ok(None);
    }
    // Each kernel input is a leaf: one is `x @ w`; the others are read whole or
    // as this rank's rows, so none may be held in cyclic rows or tiles.
    let mut leaves = Vec::with_capacity(k.inputs.len());
    for &input in &k.inputs {
        let Expr::Leaf(j) = plan.nodes[input].expr else { return Ok(None) };
        let leaf = &bindings.leaves[j];
        if leaf.is_held_split() && leaf.part().is_none() {
            return Ok(None);
        }
        leaves.push(leaf);
    }
    // The first pending `x @ w` is computed block by block (any other, as any leaf).
    let Some(z) = (0..leaves.len()).find(|&i| is_product_with(leaves[i], &shape.x)) else { return Ok(None) };
    let program = Program::compile(k);
    // The other inputs are read through whatever views the kernel applies; the
    // products only as they are, one block at a time.
    if !program.loads.iter().filter(|(input, _)| *input == z).all(|(_, views)| views.is_empty()) {
        return Ok(None);
    }
    let w = match &*leaves[z].state.borrow() {
        State::Pending(Op::MatMul { rhs, .. }) => rhs.clone(),
        _ => unreachable!("checked above"),
    };
    crate::exec::force(&w)?;
    if w.is_held_split() {
        return Ok(None);
    }
    bindings.note_lowered();
    let w = evaluate(&w)?;
    let mut data = Vec::with_capacity(leaves.len());
    let mut placed = vec![None; leaves.len()];
    for (i, leaf) in leaves.iter().enumerate() {
        if i == z {
            // The product's slot is filled block by block.
            data.push(w.clone());
            continue;
        }
        crate::exec::force(leaf)?;
        data.push(match leaf.part() {
            Some(part) => {
                placed[i] = Some(Placed { first: part.first, rows: leaf.shape[0] });
                part.data
            }
            None => evaluate(leaf)?,
        });
    }
    let (own, first) = shape.own_rows();
    let (ArrayData::F64(x), ArrayData::F64(w)) = (&own, &w) else { return Ok(None) };
    let (Some(rows), Some(w)) = (x.as_slice(), w.as_slice()) else { return Ok(None) };
    // The products and the residual are kept when a name or another pending
    // value still holds them (beyond this plan's bindings and the graph nodes
    // inside it; the residual also beyond this product), so reading them later
    // computes nothing again.
    let leaf_id = k.inputs[z];
    let keep_products = Rc::strong_count(leaves[z]) > 2 + bindings.readers[leaf_id];
    let keep_residual = Rc::strong_count(rhs) > 2;
    let pass = Pass { program: &program, data, placed, z, n: shape.n, first, keep_products };
    let blocks = pass.run(rows, w);
    stats::record_one_pass_product();
    let split = shape.x.part().is_some();
    let keep = |node: &Array, part: fn(&Block) -> &[f64]| {
        if split && !crate::dist::layout::splits(&node.shape, &node.layout) {
            return;
        }
        let values: Vec<f64> = blocks.iter().flat_map(|b| part(b).iter().copied()).collect();
        let count = values.len();
        let values = ArrayData::F64(Nd::from_shape_vec(IxDyn(&[count]), values).expect("count values"));
        *node.state.borrow_mut() =
            if split { State::Part(crate::graph::node::Part { data: values, first }) } else { State::Done(values) };
    };
    if keep_products {
        keep(leaves[z], |b| &b.products);
    }
    if keep_residual {
        keep(rhs, |b| &b.residual);
    }
    if blocks.is_empty() {
        return Ok(Some(None));
    }
    let partials: Vec<Vec<f64>> = blocks.into_iter().map(|b| b.gradient).collect();
    let mut out = vec![0.0; shape.d];
    matvec::add_in_order(&partials, &mut out, 0.0);
    Ok(Some(Some(ArrayData::F64(Nd::from_shape_vec(IxDyn(&[shape.d]), out).expect("d values")))))
}

/// The sizes of `transpose(x) @ rhs` when it has the shape this path takes.
struct Shape {
    x: Array,
    n: usize,
    d: usize,
}

impl Shape {
    fn of(lhs: &Array, rhs: &Array) -> Option<Shape> {
        if !crate::opt::enabled() {
            // `--no-opt` runs each operation alone.
            return None;
        }
        let x = match &*lhs.state.borrow() {
            State::Pending(Op::View { input, view: View::Transpose(perm) }) if perm == &[1, 0] => input.clone(),
            _ => return None,
        };
        let (n, d) = match x.shape[..] {
            [n, d] => (n, d),
            _ => return None,
        };
        let standard = |a: &ArrayData| matches!(a, ArrayData::F64(a) if a.is_standard_layout());
        let float_matrix = x.dtype == DType::Float64
            && (x.computed().is_some_and(|a| standard(&a)) || x.part().is_some_and(|p| standard(&p.data)));
        let sized = (2..=MAX_COLUMNS).contains(&d) && n > 1 && n * d >= PARALLEL_PRODUCT;
        let residual = rhs.shape == [n] && rhs.dtype == DType::Float64 && crate::opt::is_region_op(rhs);
        (float_matrix && sized && residual).then_some(Shape { x, n, d })
    }

    /// The rows of `x` this rank holds (all of them when it is whole), and the
    /// first one's number.
    fn own_rows(&self) -> (ArrayData, usize) {
        match self.x.part() {
            Some(part) => {
                let own = super::split::own_rows(self.n);
                (super::split::part_rows(&part, own), own.0)
            }
            None => (self.x.computed().expect("checked by Shape::of"), 0),
        }
    }
}

/// A kernel that maps its inputs to one result, with no reduction or update.
fn is_plain_map(k: &Kernel) -> bool {
    k.reduce.is_none() && k.update.is_none() && k.extra.is_empty() && k.result.is_none()
}

/// Whether `leaf` is the pending `x @ w` of a float64 vector `w`.
fn is_product_with(leaf: &Array, x: &Array) -> bool {
    match &*leaf.state.borrow() {
        State::Pending(Op::MatMul { lhs, rhs: w }) => {
            Rc::ptr_eq(lhs, x) && w.shape == [x.shape[1]] && w.dtype == DType::Float64
        }
        _ => false,
    }
}

/// What one block of rows gives: its products with `w`, its residual, its
/// partial gradient.
struct Block {
    products: Vec<f64>,
    residual: Vec<f64>,
    gradient: Vec<f64>,
}

/// One pass over a rank's rows of `x`: the residual's kernel, its inputs
/// (`data[z]` is replaced by each block's products) and where the rows are.
struct Pass<'a> {
    program: &'a Program,
    data: Vec<ArrayData>,
    placed: Vec<Option<Placed>>,
    z: usize,
    /// The rows of `x` in all.
    n: usize,
    /// The number of the first row this rank holds.
    first: usize,
    /// Whether the blocks keep their products.
    keep_products: bool,
}

impl Pass<'_> {
    /// The blocks of the pass over `rows` (this rank's, consecutive), in order.
    fn run(&self, rows: &[f64], w: &[f64]) -> Vec<Block> {
        let d = w.len();
        let block = matvec::transposed_block(rows.len() / d);
        let run = |(b, rows): (usize, &[f64])| {
            let first = self.first + b * block;
            let count = rows.len() / d;
            let mut products = vec![0.0; count];
            matvec::row_dots(rows, w, &mut products, 0.0);
            let mut data = self.data.clone();
            data[self.z] = ArrayData::F64(Nd::from_shape_vec(IxDyn(&[count]), products).expect("count values"));
            let mut placed = self.placed.clone();
            placed[self.z] = Some(Placed { first, rows: self.n });
            let inputs = Inputs { data, placed, window: Some((first, first + count)) };
            let mut residual = vec![0.0; count];
            kernel::run_rows(self.program, &inputs, &mut residual);
            let gradient = matvec::scaled_row_sum(rows, d, &residual, 0.0);
            let products = match (&inputs.data[self.z], self.keep_products) {
                (ArrayData::F64(p), true) => p.as_slice().expect("made contiguous above").to_vec(),
                _ => Vec::new(),
            };
            Block { products, residual, gradient }
        };
        rows.par_chunks(block * d).enumerate().map(run).collect()
    }
}
