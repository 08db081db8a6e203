//! Plan nodes that the fused kernels do not take (integer arithmetic, comparisons
//! and reductions, whose values f64 lanes cannot hold exactly), run split over the
//! ranks with the per-node kernels. An elementwise node computes each rank's own
//! rows, reading its own rows of split operands and of whole operands as long as
//! the value, and operands that broadcast along the first axis whole (joined,
//! when split: a row of values broadcast to every row is small).
//! A reduction over later axes does the same; one over the first axis combines one
//! partial result per rank, exactly, in 64-bit integers. An indexed assignment
//! (`links[:, 0] = true`) writes, on each rank, the part of the region inside its
//! own rows. A row picked from a split value (`order[i]`) is sent by its owner.
//! Constants are made whole.

use super::Rows;
use crate::diag::{Code, Diag};
use crate::dist;
use crate::exec::{index, reduce};
use crate::graph::node::Part;
use crate::graph::{ArrayData, BinaryFn, DType, Nd, ReduceFn, SliceElem, View};
use crate::num::{elementwise, view};
use crate::opt::distribute::{same_rows, Placement};
use crate::opt::plan::{Expr, Id, Plan};

/// Computes plan node `id` as `placement` says: this rank's own rows, or the
/// whole value. `operand(i)` is the value of operand `i` on this rank:
/// `(data, Some(first))` for split data starting at row `first`, `(data, None)`
/// for a whole value.
pub fn run(
    plan: &Plan,
    id: Id,
    placement: Placement,
    operand: impl Fn(Id) -> Result<(ArrayData, Option<usize>), Diag>,
) -> Result<ArrayData, Diag> {
    let node = &plan.nodes[id];
    // The rows of the iteration space this rank computes: of the value, or of the
    // reduced input.
    let extent = match &node.expr {
        Expr::Reduce { input, .. } => plan.nodes[*input].shape[0],
        _ => node.shape.first().copied().unwrap_or(0),
    };
    let own = super::own_rows(extent);
    let rows = |i: Id| -> Result<ArrayData, Diag> {
        let (data, first) = operand(i)?;
        if placement == Placement::Whole {
            return Ok(data);
        }
        let shape = &plan.nodes[i].shape;
        if let (Some(first), false) = (first, same_rows(shape, &node.shape)) {
            // A split operand broadcast along the first axis (a row of values
            // for every row): every rank needs all of it.
            crate::exec::stats::record_join();
            let whole = super::join_part(&Part { data, first }, shape[0]);
            return Ok(whole);
        }
        Ok(own_part(data, first, own, extent, shape.len() == node.shape.len()))
    };
    let mut shape = node.shape.clone();
    if let (Placement::Rows, Some(rows)) = (placement, shape.first_mut()) {
        *rows = own.1 - own.0;
    }
    Ok(match &node.expr {
        Expr::Const(s) => ArrayData::full(&node.shape, *s, node.dtype),
        Expr::Unary(f, a) => elementwise::unary(*f, &rows(*a)?, node.dtype),
        Expr::Binary { f, compute, lhs, rhs } => {
            let result = elementwise::binary(*f, *compute, &rows(*lhs)?, &rows(*rhs)?, &shape);
            // Only a power of ints can fail, and then perhaps on some ranks only.
            let can_fail = *f == BinaryFn::Pow && !compute.is_float();
            let result = if can_fail { dist::agreed_result(result) } else { result };
            result.map_err(|message| Diag::new(Code::Value, node.span, message, "while computing this"))?
        }
        Expr::Where { cond, x, y } => elementwise::select(&rows(*cond)?, &rows(*x)?, &rows(*y)?, &shape),
        Expr::Cast(a) => rows(*a)?.cast(node.dtype),
        Expr::Reduce { f, axes, input } if placement == Placement::Whole => {
            reduce::reduce(*f, &operand(*input)?.0, axes, &shape, node.dtype)
        }
        Expr::View(v, input) if placement == Placement::Whole => view::apply(&operand(*input)?.0, v),
        Expr::Reduce { f, axes, input } => {
            let (data, first) = operand(*input)?;
            let mine = own_part(data, first, own, extent, true);
            let partial = reduce::reduce(*f, &mine, axes, &shape, node.dtype);
            match placement {
                Placement::Rows => partial,
                _ => combine(*f, partial, own.0 < own.1, node.dtype),
            }
        }
        Expr::View(View::Slice(elems), input) if placement == Placement::Picked => {
            let SliceElem::Index(row) = elems[0] else { unreachable!("placement() picks a row") };
            let (data, first) = operand(*input)?;
            let Some(first) = first else {
                // Computed whole after all (a product of whole operands), alike on every rank.
                return Ok(view::apply(&data, &View::Slice(elems.clone())));
            };
            let owner = super::block_owner(row, plan.nodes[*input].shape[0]);
            let comm = dist::world();
            let mut bytes =
                if comm.rank() == owner { super::rows_bytes(&data, first, (row, row + 1)) } else { Vec::new() };
            comm.broadcast(owner, &mut bytes);
            let picked = super::rows_from_bytes(&data, 1, &bytes);
            let local: Vec<SliceElem> =
                std::iter::once(SliceElem::Index(0)).chain(elems[1..].iter().cloned()).collect();
            view::apply(&picked, &View::Slice(local))
        }
        Expr::Update { elems, input, value } => {
            let (data, first) = operand(*input)?;
            let mine = own_part(data, first, own, extent, true);
            match operand(*value)? {
                // Aligned with the updated array (the region spans every row).
                (value, Some(first)) => match super::update::own_region(elems, own) {
                    Some((local, _)) => {
                        index::set_slice(mine, &local, &own_part(value, Some(first), own, extent, true))
                    }
                    None => mine,
                },
                (value, None) => super::update::set_slice_rows(mine, own, elems, &value),
            }
        }
        _ => unreachable!("placement() said this node runs here"),
    })
}

/// This rank's rows `own` of an operand (of a value `extent` rows long): the
/// rows of split data, those of whole data with `rows` (as long as the value
/// along the first axis), else all of it (it broadcasts along that axis).
fn own_part(data: ArrayData, first: Option<usize>, own: Rows, extent: usize, rows: bool) -> ArrayData {
    match first {
        Some(first) => super::row_range(&data, (own.0 - first, own.1 - first)),
        None if rows && data.shape().first() == Some(&extent) => super::row_range(&data, own),
        None => data,
    }
}

/// Every rank's partial reduction (those of ranks without rows left out, unless
/// no rank has any), combined in rank order, exactly: as 64-bit integers.
fn combine(f: ReduceFn, partial: ArrayData, has_rows: bool, dtype: DType) -> ArrayData {
    let shape = partial.shape().to_vec();
    let ArrayData::I64(mine) = partial.cast(DType::Int64) else { unreachable!("cast to int64") };
    let bytes: Vec<u8> = if has_rows { mine.iter().flat_map(|v| v.to_le_bytes()).collect() } else { Vec::new() };
    let gathered = dist::world().all_gather(&bytes);
    let partials: Vec<Vec<i64>> = gathered
        .iter()
        .filter(|b| !b.is_empty())
        .map(|b| b.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes"))).collect())
        .collect();
    let Some((first, rest)) = partials.split_first() else {
        return ArrayData::I64(mine).cast(dtype);
    };
    let mut result = first.clone();
    for partial in rest {
        for (r, &p) in result.iter_mut().zip(partial) {
            *r = match f {
                ReduceFn::Sum | ReduceFn::CountNonzero => r.wrapping_add(p),
                ReduceFn::Prod => r.wrapping_mul(p),
                ReduceFn::Min => (*r).min(p),
                ReduceFn::Max => (*r).max(p),
                ReduceFn::All => i64::from(*r != 0 && p != 0),
                ReduceFn::Any => i64::from(*r != 0 || p != 0),
                other => unreachable!("{other:?} is not combined"),
            };
        }
    }
    ArrayData::I64(Nd::from_shape_vec(ndarray::IxDyn(&shape), result).expect("partial shape")).cast(dtype)
}
