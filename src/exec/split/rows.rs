//! A small slice of the rows of a value split by rows (`c = x[:k]`, k-means'
//! first centres), made whole on every rank with one all-gather of its rows.
//! Read inside a kernel over the split value instead, it would stretch the rows
//! each rank fetches to span both the slice and the rank's own rows: half of
//! the matrix, sent to compare it with eight rows.

use super::gather_rows;
use crate::diag::Diag;
use crate::graph::node::State;
use crate::graph::{Array, Op, SliceElem, View};

/// Computes `node`, whole on every rank, when `opt::is_small_slice_of_split`
/// says it is such a slice; false otherwise.
pub fn try_small_slice(node: &Array) -> Result<bool, Diag> {
    if !crate::opt::is_small_slice_of_split(node) {
        return Ok(false);
    }
    let (input, elems) = match &*node.state.borrow() {
        State::Pending(Op::View { input, view: View::Slice(elems) }) => (input.clone(), elems.clone()),
        _ => unreachable!("checked above"),
    };
    // The element that consumes the first axis (after any new leading axes).
    let Some(at) = elems.iter().position(|e| !matches!(e, SliceElem::NewAxis)) else { return Ok(false) };
    let (rows, rebased): (Vec<usize>, SliceElem) = match elems[at] {
        SliceElem::Index(i) => (vec![i], SliceElem::Index(0)),
        SliceElem::Range { first, count, step } => {
            let mut rows: Vec<usize> = (0..count).map(|j| (first as isize + j as isize * step) as usize).collect();
            rows.sort_unstable();
            let rebased = match step < 0 && count > 0 {
                // Gathered in increasing order: read them back to front.
                true => SliceElem::Range { first: count - 1, count, step: -1 },
                false => SliceElem::Range { first: 0, count, step: 1 },
            };
            (rows, rebased)
        }
        SliceElem::NewAxis => unreachable!("skipped above"),
    };
    crate::exec::force(&input)?;
    let Some(gathered) = gather_rows(&input, &rows, |own| own.clone()) else { return Ok(false) };
    let mut local = elems;
    local[at] = rebased;
    let data = crate::num::view::apply(&gathered, &View::Slice(local));
    *node.state.borrow_mut() = State::Done(data);
    crate::exec::stats::record_split_gather();
    Ok(true)
}
