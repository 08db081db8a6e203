//! Gathers by index from a value split over the ranks (spec section 10):
//! `x[idx]` along the first axis, with `x` or `idx` split by rows. Each rank computes its
//! own rows of the result, which are its own rows of `idx`: it asks the owner of
//! each source row for it (one all-to-all of row numbers, bucketed by owner) and
//! gets the rows back (one all-to-all of row bytes); a whole `x` it reads
//! itself. Nothing is gathered whole, and
//! an index out of range is found by the rank that holds it.

use super::{block_owner, concat_rows, own_rows, part_rows, row_range, rows_bytes, select_rows, Rows};
use crate::diag::Diag;
use crate::dist;
use crate::graph::node::{Part, State};
use crate::graph::{Array, ArrayData, Elem, Op};
use crate::with_dtype;

/// Computes `node` (a pending `Take` along axis 0 of a split value, or by a split
/// index) as this rank's
/// part, if it is one; false when it must be computed whole.
pub fn try_take(node: &Array) -> Result<bool, Diag> {
    let (input, index) = {
        let state = node.state.borrow();
        match &*state {
            State::Pending(Op::Take { input, axis: 0, index }) if index.ndim() >= 1 => (input.clone(), index.clone()),
            _ => return Ok(false),
        }
    };
    if !super::splits(&node.shape, &node.layout) {
        return Ok(false);
    }
    crate::exec::force(&input)?;
    crate::exec::force(&index)?;
    let source = input.part();
    if source.is_none() && (index.part().is_none() || input.is_dealt_out()) {
        return Ok(false);
    }
    let mine = own_rows(node.shape[0]);
    let picks = own_positions(&index, mine, input.shape[0], node)?;
    // One row per position: shaped as this rank's rows of the result (a 2-D
    // index gives each result row several positions).
    let mut shape = node.shape.clone();
    shape[0] = mine.1 - mine.0;
    let rows = match source {
        Some(source) => fetch_rows(&source, input.shape[0], &picks),
        // A whole source (a small table indexed by split labels): its own rows.
        None => select_rows(&crate::exec::evaluate(&input)?, &picks),
    };
    let data = reshaped(rows, &shape);
    *node.state.borrow_mut() = State::Part(Part { data, first: mine.0 });
    crate::exec::stats::record_split_gather();
    Ok(true)
}

/// The source rows this rank's result rows `mine` read: its own rows of `index`
/// (split or whole), made absolute and checked against `len`.
fn own_positions(index: &Array, mine: Rows, len: usize, node: &Array) -> Result<Vec<usize>, Diag> {
    let own = match index.part() {
        Some(part) => part_rows(&part, mine),
        None => row_range(&crate::exec::evaluate(index)?, mine),
    };
    crate::exec::index::positions(&own, len, node)
}

/// The rows `picks` (of a value of `n` rows split over the ranks, this rank
/// holding `source`), in order, fetched from their owners.
fn fetch_rows(source: &Part, n: usize, picks: &[usize]) -> ArrayData {
    let comm = dist::world();
    let size = comm.size();
    // Ask each owner for its rows, in the order they are wanted.
    let mut asked: Vec<Vec<usize>> = vec![Vec::new(); size];
    for &row in picks {
        asked[block_owner(row, n)].push(row);
    }
    let requests = asked.iter().map(|rows| rows.iter().flat_map(|r| (*r as u64).to_le_bytes()).collect()).collect();
    let wanted = comm.all_to_all(requests);
    // Answer what each rank asked of this one.
    let answers = wanted
        .iter()
        .map(|bytes| {
            let rows: Vec<usize> = bytes
                .chunks_exact(8)
                .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")) as usize - source.first)
                .collect();
            let picked = select_rows(&source.data, &rows);
            rows_bytes(&picked, 0, (0, rows.len()))
        })
        .collect();
    let received = comm.all_to_all(answers);
    // The received rows, rank after rank, then put in the order they were wanted.
    let blocks: Vec<ArrayData> = received
        .iter()
        .zip(&asked)
        .map(|(bytes, rows)| super::rows_from_bytes(&source.data, rows.len(), bytes))
        .collect();
    let mut next = vec![0usize; size];
    let starts: Vec<usize> = asked.iter().scan(0, |at, rows| Some(std::mem::replace(at, *at + rows.len()))).collect();
    let order: Vec<usize> = picks
        .iter()
        .map(|&row| {
            let q = block_owner(row, n);
            next[q] += 1;
            starts[q] + next[q] - 1
        })
        .collect();
    select_rows(&concat_rows(&blocks), &order)
}

fn reshaped(data: ArrayData, shape: &[usize]) -> ArrayData {
    with_dtype!(data.dtype(), T => {
        let standard = T::cast_into(data).as_standard_layout().into_owned();
        T::wrap(standard.into_shape_with_order(ndarray::IxDyn(shape)).expect("as many elements").into_shared())
    })
}
