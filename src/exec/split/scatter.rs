//! Scatters by index into a value split over the ranks (spec section 10):
//! `x[idx] = v` along the first axis, with `x` split by rows. Each rank takes its
//! own share of the assignments (its rows of a split `idx` or `v`, else an even
//! share of them), buckets them by the rank that owns the target row, and one
//! all-to-all delivers them; each rank applies what it received in the order of
//! the assignments, so with repeated indices the last one wins, as in one process.
//! When `idx` and `v` are whole on every rank, each rank applies the assignments to
//! its own rows directly, with no communication.

use ndarray::{Axis, IxDyn};

use super::{own_rows, row_range, rows_bytes, rows_from_bytes, select_rows};
use crate::diag::Diag;
use crate::dist;
use crate::graph::node::{Part, State};
use crate::graph::{Array, ArrayData, Elem, Op};
use crate::with_dtype;

/// Computes `node` (a pending `SetTake` along axis 0 of a split value) as this
/// rank's part, if it is one; false when it must be computed whole.
pub fn try_set_take(node: &Array) -> Result<bool, Diag> {
    let (input, index, value) = {
        let state = node.state.borrow();
        match &*state {
            State::Pending(Op::SetTake { input, axis: 0, index, value }) => {
                (input.clone(), index.clone(), value.clone())
            }
            _ => return Ok(false),
        }
    };
    if !super::splits(&node.shape, &node.layout) {
        return Ok(false);
    }
    crate::exec::force(&input)?;
    let Some(target) = input.part() else { return Ok(false) };
    crate::exec::force(&index)?;
    crate::exec::force(&value)?;
    let n = node.shape[0];
    let count = index.size();
    // The assignments' values, one row per assignment.
    let mut region = node.shape.clone();
    region[0] = count;
    let split_index = index.part().filter(|_| index.ndim() == 1);
    let split_value = value.part().filter(|_| value.shape == region);
    // The assignments are shared out by rows of a 1-D index; others are applied
    // from whole values.
    let data = if (split_index.is_none() && split_value.is_none()) || index.ndim() != 1 {
        let picks = crate::exec::index::positions(&crate::exec::evaluate(&index)?, n, node)?;
        let values = broadcast_rows(&crate::exec::evaluate(&value)?, &region);
        let own = own_rows(n);
        let mine: Vec<usize> = (0..count).filter(|&k| (own.0..own.1).contains(&picks[k])).collect();
        let rows = select_rows(&values, &mine);
        let targets: Vec<usize> = mine.iter().map(|&k| picks[k]).collect();
        apply(target.data, target.first, &targets, &rows)
    } else {
        // This rank's share: assignments `share`, with their targets and values.
        let share = own_rows(count);
        let own_index = match &split_index {
            Some(part) => super::part_rows(part, share),
            None => row_range(&crate::exec::evaluate(&index)?, share),
        };
        let picks = crate::exec::index::positions(&own_index, n, node)?;
        let rows = match &split_value {
            Some(part) => super::part_rows(part, share),
            None => row_range(&broadcast_rows(&crate::exec::evaluate(&value)?, &region), share),
        };
        let (targets, received) = deliver(&picks, &rows, n);
        apply(target.data, target.first, &targets, &received)
    };
    *node.state.borrow_mut() = State::Part(Part { data, first: target.first });
    crate::exec::stats::record_split_scatter();
    Ok(true)
}

/// Sends each assignment (target row `picks[k]`, value row `k` of `rows`) to the
/// rank that owns the target; returns the assignments this rank received, in the
/// order of the assignments (rank order, each rank's in its order).
fn deliver(picks: &[usize], rows: &ArrayData, n: usize) -> (Vec<usize>, ArrayData) {
    let comm = dist::world();
    let size = comm.size();
    let mut bucket: Vec<Vec<usize>> = vec![Vec::new(); size];
    for (k, &p) in picks.iter().enumerate() {
        bucket[super::block_owner(p, n)].push(k);
    }
    let outgoing: Vec<Vec<u8>> = bucket
        .iter()
        .map(|ks| {
            let mut bytes: Vec<u8> = (ks.len() as u64).to_le_bytes().to_vec();
            ks.iter().for_each(|&k| bytes.extend_from_slice(&(picks[k] as u64).to_le_bytes()));
            let selected = select_rows(rows, ks);
            bytes.extend(rows_bytes(&selected, 0, (0, ks.len())));
            bytes
        })
        .collect();
    let mut targets = Vec::new();
    let mut pieces = Vec::new();
    for bytes in comm.all_to_all(outgoing) {
        let word = |i: usize| u64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().expect("8 bytes")) as usize;
        let len = word(0);
        targets.extend((1..=len).map(word));
        pieces.push(rows_from_bytes(rows, len, &bytes[8 * (len + 1)..]));
    }
    (targets, super::concat_rows(&pieces))
}

/// `data` (rows from `first`) with row `targets[k] - first` set to row `k` of
/// `rows`, in order.
fn apply(data: ArrayData, first: usize, targets: &[usize], rows: &ArrayData) -> ArrayData {
    with_dtype!(data.dtype(), T => {
        let mut out = T::cast_into(data).into_owned();
        let rows = T::cast_from(rows);
        for (k, &t) in targets.iter().enumerate() {
            out.index_axis_mut(Axis(0), t - first).assign(&rows.index_axis(Axis(0), k));
        }
        T::wrap(out.into_shared())
    })
}

/// `value` broadcast to `region` (one row per assignment), materialized.
fn broadcast_rows(value: &ArrayData, region: &[usize]) -> ArrayData {
    with_dtype!(value.dtype(), T => {
        let v = T::cast_from(value);
        T::wrap(v.broadcast(IxDyn(region)).expect("checked at build").to_owned().into_shared())
    })
}
