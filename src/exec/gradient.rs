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
/// pending transpose of a computed row-major float64 matrix `x` and `rhs` an
/// elementwise float64 vector computed by one fused kernel from `x @ w` (and
/// any other computed values): `None` when it is not such a product, or too
/// small to gain (then nothing was computed).
pub fn transposed_product(lhs: &Array, rhs: &Array) -> Result<Option<ArrayData>, Diag> {
    let Some(shape) = Shape::of(lhs, rhs) else { return Ok(None) };
    let (plan, bindings) = crate::opt::choose(rhs);
    let node = &plan.nodes[plan.root];
    let Expr::Kernel(k) = &node.expr else { return Ok(None) };
    if !is_plain_map(k) || node.dtype != DType::Float64 {
        return Ok(None);
    }
    // Each kernel input is a leaf: one is `x @ w`.
    let mut leaves = Vec::with_capacity(k.inputs.len());
    for &input in &k.inputs {
        let Expr::Leaf(j) = plan.nodes[input].expr else { return Ok(None) };
        leaves.push(&bindings.leaves[j]);
    }
    let product: Vec<usize> = (0..leaves.len()).filter(|&i| is_product_with(leaves[i], &shape.x)).collect();
    let [z] = product[..] else { return Ok(None) };
    let program = Program::compile(k);
    // The other inputs are read whole, through whatever views the kernel
    // applies; the products only as they are, one block at a time.
    if !program.loads.iter().filter(|(input, _)| *input == z).all(|(_, views)| views.is_empty()) {
        return Ok(None);
    }
    bindings.note_lowered();
    let w = match &*leaves[z].state.borrow() {
        State::Pending(Op::MatMul { rhs, .. }) => rhs.clone(),
        _ => unreachable!("checked above"),
    };
    let w = evaluate(&w)?;
    let mut data = Vec::with_capacity(leaves.len());
    for (i, leaf) in leaves.iter().enumerate() {
        // The product's slot is filled block by block.
        data.push(if i == z { w.clone() } else { evaluate(leaf)? });
    }
    let x = shape.x.computed().expect("checked by Shape::of");
    let (ArrayData::F64(x), ArrayData::F64(w)) = (&x, &w) else { return Ok(None) };
    let (Some(rows), Some(w)) = (x.as_slice(), w.as_slice()) else { return Ok(None) };
    // The products and the residual are kept when a name or another pending
    // value still holds them (beyond this plan's bindings and the graph nodes
    // inside it; the residual also beyond this product), so reading them later
    // computes nothing again.
    let leaf_id = k.inputs[z];
    let keep_products = Rc::strong_count(leaves[z]) > 2 + bindings.readers[leaf_id];
    let keep_residual = Rc::strong_count(rhs) > 2;
    let blocks = one_pass(&program, data, z, rows, w, shape.n, keep_products);
    stats::record_one_pass_product();
    let keep = |node: &Array, part: fn(&Block) -> &[f64]| {
        let whole: Vec<f64> = blocks.iter().flat_map(|b| part(b).iter().copied()).collect();
        let whole = ArrayData::F64(Nd::from_shape_vec(IxDyn(&[shape.n]), whole).expect("n values"));
        *node.state.borrow_mut() = State::Done(whole);
    };
    if keep_products {
        keep(leaves[z], |b| &b.products);
    }
    if keep_residual {
        keep(rhs, |b| &b.residual);
    }
    let partials: Vec<Vec<f64>> = blocks.into_iter().map(|b| b.gradient).collect();
    let mut out = vec![0.0; shape.d];
    matvec::add_in_order(&partials, &mut out, 0.0);
    Ok(Some(ArrayData::F64(Nd::from_shape_vec(IxDyn(&[shape.d]), out).expect("d values"))))
}

/// The sizes of `transpose(x) @ rhs` when it has the shape this path takes.
struct Shape {
    x: Array,
    n: usize,
    d: usize,
}

impl Shape {
    fn of(lhs: &Array, rhs: &Array) -> Option<Shape> {
        if crate::dist::nranks() > 1 || !crate::opt::enabled() {
            // Split plans have their own form; `--no-opt` runs each operation alone.
            return None;
        }
        let State::Pending(Op::View { input: x, view: View::Transpose(perm) }) = &*lhs.state.borrow() else {
            return None;
        };
        let (n, d) = match x.shape[..] {
            [n, d] => (n, d),
            _ => return None,
        };
        let float_matrix = perm == &[1, 0]
            && x.dtype == DType::Float64
            && matches!(x.computed(), Some(ArrayData::F64(a)) if a.is_standard_layout());
        let sized = (2..=MAX_COLUMNS).contains(&d) && n > 1 && n * d >= PARALLEL_PRODUCT;
        let residual = rhs.shape == [n] && rhs.dtype == DType::Float64 && crate::opt::is_region_op(rhs);
        (float_matrix && sized && residual).then(|| Shape { x: x.clone(), n, d })
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

/// The blocks of the one pass, in order; `data[z]` is replaced by each
/// block's products (kept in the blocks only when `keep_products`).
fn one_pass(
    program: &Program,
    data: Vec<ArrayData>,
    z: usize,
    rows: &[f64],
    w: &[f64],
    n: usize,
    keep_products: bool,
) -> Vec<Block> {
    let d = w.len();
    let block = matvec::transposed_block(n);
    let run = |(b, rows): (usize, &[f64])| {
        let first = b * block;
        let count = rows.len() / d;
        let mut products = vec![0.0; count];
        matvec::row_dots(rows, w, &mut products, 0.0);
        let mut data = data.clone();
        data[z] = ArrayData::F64(Nd::from_shape_vec(IxDyn(&[count]), products).expect("count values"));
        let mut placed = vec![None; data.len()];
        placed[z] = Some(Placed { first, rows: n });
        let inputs = Inputs { data, placed, window: Some((first, first + count)) };
        let mut residual = vec![0.0; count];
        kernel::run_rows(program, &inputs, &mut residual);
        let gradient = matvec::scaled_row_sum(rows, d, &residual, 0.0);
        let products = match (&inputs.data[z], keep_products) {
            (ArrayData::F64(p), true) => p.as_slice().expect("made contiguous above").to_vec(),
            _ => Vec::new(),
        };
        Block { products, residual, gradient }
    };
    rows.par_chunks(block * d).enumerate().map(run).collect()
}
