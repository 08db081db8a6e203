//! Boolean masks over a value split over the ranks (spec section 10): `x[m]` with
//! `x` split by rows and `m` covering its leading axes. The number of true
//! elements (the result's length) is counted on each rank's own rows and added up
//! with one all-gather; each rank selects from its own rows, and the selections,
//! which follow one another in rank order, move into the default block layout
//! with one all-to-all. Nothing is gathered whole.

use super::{own_rows, part_rows, row_range};
use crate::diag::Diag;
use crate::graph::node::{Part, State};
use crate::graph::{Array, ArrayData, Op};

/// The number of true elements of `mask` (computing it), counted where its rows
/// are when it is split, so that it is not joined.
pub fn count_true(mask: &Array) -> Result<usize, Diag> {
    crate::exec::force(mask)?;
    match mask.part() {
        Some(part) => {
            let own = count(&part_rows(&part, own_rows(mask.shape[0])));
            Ok(super::all_gather_count(own).iter().sum())
        }
        None => Ok(count(&crate::exec::evaluate(mask)?)),
    }
}

fn count(mask: &ArrayData) -> usize {
    let ArrayData::Bool(m) = mask.cast(crate::graph::DType::Bool) else { unreachable!("cast to bool") };
    m.iter().filter(|&&x| x).count()
}

/// Computes `node` (a pending mask selection from a split value) as this rank's
/// part, if it is one; false when it must be computed whole.
pub fn try_mask(node: &Array) -> Result<bool, Diag> {
    let (input, mask) = match &*node.state.borrow() {
        State::Pending(Op::Mask { input, mask }) if mask.ndim() >= 1 => (input.clone(), mask.clone()),
        _ => return Ok(false),
    };
    if !super::splits(&node.shape, &node.layout) {
        return Ok(false);
    }
    let Some(run) = own_selection(&input, &mask)? else { return Ok(false) };
    let data = super::into_blocks(&run, node.shape[0]);
    *node.state.borrow_mut() = State::Part(Part { data, first: own_rows(node.shape[0]).0 });
    crate::exec::stats::record_split_mask();
    Ok(true)
}

/// The rows `mask` selects from this rank's own rows of `input` (computing
/// both), in order; `None` when `input` is not split by rows.
pub(super) fn own_selection(input: &Array, mask: &Array) -> Result<Option<ArrayData>, Diag> {
    crate::exec::force(input)?;
    let Some(source) = input.part() else { return Ok(None) };
    crate::exec::force(mask)?;
    let own = own_rows(input.shape[0]);
    let own_mask = match mask.part() {
        Some(part) => part_rows(&part, own),
        None => row_range(&crate::exec::evaluate(mask)?, own),
    };
    Ok(Some(crate::exec::index::mask(&part_rows(&source, own), &own_mask)))
}
