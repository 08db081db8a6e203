//! Matrix products with a left operand split over the ranks by rows (spec section
//! 10): each rank computes its own rows of the result from its own rows of the
//! left operand. A right operand held whole is used as it is; a split one is
//! never gathered whole: its row blocks are broadcast one after another, each
//! rank multiplying the matching columns of its rows by the block and adding up
//! (a pipelined broadcast, holding one block at a time). Sums over the inner axis
//! are then added block by block, a reassociation within the tolerance the spec
//! allows reductions. The dot product of two split vectors is each rank's dot of
//! its own rows, the partial results added in rank order; so are a vector times a
//! matrix split by rows and `a.T @ b` of a split `a` (sums over the rows).

use ndarray::{Axis, Slice};

use super::{own_rows, part_rows, rows_bytes, rows_from_bytes, splits, Rows};
use crate::diag::Diag;
use crate::dist::{self, layout::block_range};
use crate::exec::matmul::matmul;
use crate::graph::node::{Part, State};
use crate::graph::{Array, ArrayData, Elem, Nd, Op, View};
use crate::with_dtype;

/// Computes `node` (a pending float `lhs @ rhs`, `lhs` 2-D and split) as this
/// rank's rows, if it is one; false when it must be computed whole.
pub fn try_matmul(node: &Array) -> Result<bool, Diag> {
    let (lhs, rhs) = match &*node.state.borrow() {
        State::Pending(Op::MatMul { lhs, rhs }) => (lhs.clone(), rhs.clone()),
        _ => return Ok(false),
    };
    if node.dtype.is_float() {
        match (lhs.ndim(), rhs.ndim()) {
            (1, 1) => return vector_dot(node, &lhs, &rhs),
            (1, 2) => return vector_matrix(node, &lhs, &rhs),
            _ => {}
        }
        if let Some(a) = transposed_split(&lhs) {
            // A gradient, `a.T @ f(a @ w)`: each rank's rows read once.
            if let Some(partial) = crate::exec::gradient::transposed_product(&lhs, &rhs)? {
                add_partials(node, partial);
                return Ok(true);
            }
            return transposed_product(node, &a, &rhs);
        }
    }
    if lhs.ndim() != 2 || rhs.ndim() > 2 {
        return Ok(false);
    }
    if !node.dtype.is_float() || !splits(&node.shape, &node.layout) {
        return Ok(false);
    }
    crate::exec::force(&lhs)?;
    let Some(left) = lhs.part() else { return Ok(false) };
    crate::exec::force(&rhs)?;
    let mine = own_rows(lhs.shape[0]);
    let rows = part_rows(&left, mine);
    let mut shape = node.shape.clone();
    shape[0] = mine.1 - mine.0;
    let data = match rhs.part() {
        None => matmul(&rows, &crate::exec::evaluate(&rhs)?, &shape),
        Some(right) => pipelined(&rows, &right, rhs.shape[0], &shape),
    };
    *node.state.borrow_mut() = State::Part(Part { data, first: mine.0 });
    crate::exec::stats::record_split_matmul();
    Ok(true)
}

/// `dot(lhs, rhs)` of float vectors, at least one split by rows: each rank's dot
/// of its own rows (of a whole operand, the same rows), the partial results added
/// in rank order on every rank: one all-gather of a number instead of joining
/// the vectors. False when neither is split.
fn vector_dot(node: &Array, lhs: &Array, rhs: &Array) -> Result<bool, Diag> {
    crate::exec::force(lhs)?;
    crate::exec::force(rhs)?;
    if lhs.part().is_none() && rhs.part().is_none() {
        return Ok(false);
    }
    let mine = own_rows(lhs.shape[0]);
    let partial = (mine.0 < mine.1)
        .then(|| -> Result<ArrayData, Diag> { Ok(matmul(&aligned_rows(lhs, mine)?, &aligned_rows(rhs, mine)?, &[])) });
    add_partials(node, partial.transpose()?);
    Ok(true)
}

/// The matrix `a` when `lhs` is its pending transpose `a.T` and `a` is 2-D
/// with a layout that splits it by rows.
fn transposed_split(lhs: &Array) -> Option<Array> {
    match &*lhs.state.borrow() {
        State::Pending(Op::View { input, view: View::Transpose(perm) })
            if input.ndim() == 2 && perm == &[1, 0] && splits(&input.shape, &input.layout) =>
        {
            Some(input.clone())
        }
        _ => None,
    }
}

/// `v @ m` of a float vector and a matrix split by rows (PageRank's `r @ weights`):
/// each rank multiplies its own rows of `m` by the same rows of `v`, and the
/// partial vectors (one per column of `m`) are added in rank order on every
/// rank: one all-gather of a vector instead of joining the matrix. False when
/// `m` is not split.
fn vector_matrix(node: &Array, v: &Array, m: &Array) -> Result<bool, Diag> {
    crate::exec::force(m)?;
    let Some(right) = m.part() else { return Ok(false) };
    crate::exec::force(v)?;
    let mine = own_rows(m.shape[0]);
    let left = aligned_rows(v, mine)?;
    let partial = (mine.0 < mine.1).then(|| matmul(&left, &part_rows(&right, mine), &node.shape));
    add_partials(node, partial);
    Ok(true)
}

/// `a.T @ b` of a float matrix `a` split by rows and `b` with the same rows
/// (split alike, or whole): a sum over the rows, so each rank's product of its
/// own rows is a partial result, added in rank order on every rank (the
/// gradient `X.T @ (p - y)` of a regression: one all-gather of a few numbers).
/// False when `a` is not split.
fn transposed_product(node: &Array, a: &Array, b: &Array) -> Result<bool, Diag> {
    crate::exec::force(a)?;
    let Some(rows) = a.part() else { return Ok(false) };
    crate::exec::force(b)?;
    let mine = own_rows(a.shape[0]);
    let right = aligned_rows(b, mine)?;
    let partial = (mine.0 < mine.1).then(|| {
        let left = with_dtype!(rows.data.dtype(), T => {
            T::wrap(T::cast_from(&part_rows(&rows, mine)).reversed_axes().into_shared())
        });
        matmul(&left, &right, &node.shape)
    });
    add_partials(node, partial);
    Ok(true)
}

/// Rows `rows` of `v`: of its part when split (alike), else of its whole value.
fn aligned_rows(v: &Array, rows: Rows) -> Result<ArrayData, Diag> {
    Ok(match v.part() {
        Some(part) => part_rows(&part, rows),
        None => super::row_range(&crate::exec::evaluate(v)?, rows),
    })
}

/// Stores in `node` the sum, in rank order, of every rank's partial result (none
/// from a rank without rows) on every rank.
fn add_partials(node: &Array, partial: Option<ArrayData>) {
    let bytes: Vec<u8> = match partial.map(|p| p.cast(crate::graph::DType::Float64)) {
        Some(ArrayData::F64(p)) => p.iter().flat_map(|x| x.to_le_bytes()).collect(),
        _ => Vec::new(),
    };
    let count: usize = node.shape.iter().product();
    let mut total = vec![0.0f64; count];
    for bytes in dist::world().all_gather(&bytes).iter().filter(|b| !b.is_empty()) {
        for (sum, x) in total.iter_mut().zip(bytes.chunks_exact(8)) {
            *sum += f64::from_le_bytes(x.try_into().expect("8 bytes"));
        }
    }
    let total = Nd::from_shape_vec(ndarray::IxDyn(&node.shape), total).expect("one value per element");
    *node.state.borrow_mut() = State::Done(ArrayData::F64(total).cast(node.dtype));
    crate::exec::stats::record_split_matmul();
}

/// `rows @ rhs` where `rhs` (of `k` rows) is split by rows, this rank holding
/// `right`: block `q` of `rhs` is broadcast from rank `q` and multiplies columns
/// `block q` of `rows`; the products are added in rank order.
fn pipelined(rows: &ArrayData, right: &Part, k: usize, shape: &[usize]) -> ArrayData {
    let comm = dist::world();
    let size = comm.size();
    let mut total: Option<ArrayData> = None;
    for q in 0..size {
        let block = block_range(k, size, q);
        if block.0 == block.1 {
            continue;
        }
        let mut bytes = if comm.rank() == q { rows_bytes(&right.data, right.first, block) } else { Vec::new() };
        comm.broadcast(q, &mut bytes);
        let b = rows_from_bytes(&right.data, block.1 - block.0, &bytes);
        let product = matmul(&columns(rows, block), &b, shape);
        total = Some(match total {
            None => product,
            Some(sum) => add(sum, &product),
        });
    }
    total.unwrap_or_else(|| ArrayData::full(shape, crate::graph::Scalar::Float(0.0), rows.dtype()))
}

/// Columns `[start, stop)` of a 2-D array.
fn columns(data: &ArrayData, (start, stop): Rows) -> ArrayData {
    with_dtype!(data.dtype(), T => {
        T::wrap(T::cast_from(data).slice_axis(Axis(1), Slice::from(start..stop)).to_owned().into_shared())
    })
}

fn add(sum: ArrayData, more: &ArrayData) -> ArrayData {
    match (sum, more) {
        (ArrayData::F64(a), ArrayData::F64(b)) => ArrayData::F64((&a + b).into_shared()),
        (ArrayData::F32(a), ArrayData::F32(b)) => ArrayData::F32((&a + b).into_shared()),
        (sum, _) => unreachable!("float products of one dtype, not {:?}", sum.dtype()),
    }
}
