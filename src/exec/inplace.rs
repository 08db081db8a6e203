//! Indexed assignment written into the target's own buffer. `name[region] = value`
//! is, by value semantics, a new array; when nobody else can see the old one (the
//! variable being assigned is its only holder) and the region is small, the new
//! array is the old one with the region overwritten, at a cost of O(region)
//! instead of a copy of the whole array (NumPy's cost for the same statement).
//!
//! A large region keeps the lazy path: there the update is fused with the
//! computation of its value (`u[1:-1, 1:-1] = ...` in one pass), which costs a
//! pass over the array either way.

use std::rc::Rc;

use super::split::update;
use super::{evaluate, force, index};
use crate::diag::Diag;
use crate::graph::node::{Part, State};
use crate::graph::{Array, ArrayData, Op};

/// A region at most this fraction of its array is written in place.
const SMALL_REGION_DIVISOR: usize = 4;

/// Applies the pending update `updated` (a `SetSlice` or `SetTake` node just
/// built) to its input's buffer when that input can be changed unseen: `holders`
/// is how many references to the input the caller accounts for (the variable
/// being assigned); with the update's own, nothing else may hold it. Returns the
/// input, now holding the updated value, or `None` when the update must be
/// computed as a new array.
///
/// `pending_in_scope` lists the caller's other pending values: when one of them
/// still reads a view of the target (`v = a[:, j] - s * q[:, j - 1]` before
/// `q[:, j] = v / norm(v)`, with `v` fused away rather than kept), that view
/// shares the target's buffer and the write would copy the whole array; such a
/// value is computed first (it costs its own size; the copy, the array's).
pub fn update_in_place(
    updated: &Array,
    holders: usize,
    pending_in_scope: impl FnOnce() -> Vec<Array>,
) -> Result<Option<Array>, Diag> {
    let (target, region) = {
        let state = updated.state.borrow();
        match &*state {
            State::Pending(Op::SetSlice { input, value, .. }) => (input.clone(), value.size()),
            State::Pending(Op::SetTake { input, axis, index, .. }) => {
                let row = input.size() / input.shape[*axis].max(1);
                (input.clone(), index.size().saturating_mul(row))
            }
            _ => return Ok(None),
        }
    };
    if region.saturating_mul(SMALL_REGION_DIVISOR) > target.size() {
        return Ok(None);
    }
    // Named values reading the target through views first, so the operands'
    // plans read them computed instead of computing them again.
    force(&target)?;
    release_views(&target, pending_in_scope)?;
    // The operands next: while pending they may read the target (`S[:10] + 1`);
    // once computed they let go of it.
    let operands: Vec<Array> = updated.inputs().into_iter().filter(|a| !Rc::ptr_eq(a, &target)).collect();
    for operand in &operands {
        force(operand)?;
    }
    drop(operands);
    // `target` here, the update's input, and the caller's holders.
    let held_part = matches!(&*target.state.borrow(), State::Part(_));
    if Rc::strong_count(&target) != holders + 2 || (target.computed().is_none() && !held_part) {
        return Ok(None);
    }
    if held_part && !split_update_applies(updated, &target) {
        return Ok(None);
    }
    let state = updated.state.borrow();
    let (value, picks) = match &*state {
        State::Pending(Op::SetSlice { value, .. }) => (evaluate(value)?, None),
        State::Pending(Op::SetTake { axis, index, value, .. }) => {
            let picks = index::positions(&evaluate(index)?, target.shape[*axis], updated)?;
            (evaluate(value)?, Some((*axis, picks)))
        }
        _ => unreachable!("matched above"),
    };
    let mut target_state = target.state.borrow_mut();
    // Moved out and back, so the buffer stays uniquely held while it is written
    // (a shared buffer is copied once by the write: copy on write).
    let placeholder = || ArrayData::full(&[0], crate::graph::Scalar::Bool(false), target.dtype);
    match &mut *target_state {
        State::Done(data) => {
            let old = std::mem::replace(data, placeholder());
            *data = match (&*state, picks) {
                (State::Pending(Op::SetSlice { elems, .. }), _) => index::set_slice(old, elems, &value),
                (_, Some((axis, picks))) => index::set_take_at(old, axis, &picks, &value),
                _ => unreachable!("matched above"),
            };
        }
        // Each rank writes the part of the region inside its own rows.
        State::Part(part) => {
            let old = std::mem::replace(part, Part { data: placeholder(), first: part.first });
            let own = (old.first, old.first + old.data.shape()[0]);
            *part = match (&*state, picks) {
                (State::Pending(Op::SetSlice { elems, .. }), _) => {
                    Part { data: update::set_slice_rows(old.data, own, elems, &value), first: old.first }
                }
                (_, Some((axis, picks))) => update::set_take_part(old, target.shape[0], axis, &picks, &value),
                _ => unreachable!("matched above"),
            };
        }
        _ => return Ok(None),
    }
    drop(target_state);
    super::stats::record_in_place_update();
    Ok(Some(target))
}

/// Whether a pending update of a target held split by rows is written in each
/// rank's part: its value and index are held whole (the region is small; a split
/// one would be joined to be read) and a slice picks rows first.
fn split_update_applies(updated: &Array, target: &Array) -> bool {
    let operands_whole =
        updated.inputs().iter().filter(|a| !Rc::ptr_eq(a, target)).all(|operand| !operand.is_held_split());
    operands_whole
        && match &*updated.state.borrow() {
            State::Pending(Op::SetSlice { elems, .. }) => update::picks_rows(elems),
            _ => true,
        }
}

/// Most graph nodes looked at below one pending value: the search is a
/// heuristic that saves a copy, and must stay cheap when it finds nothing.
const SEARCH_LIMIT: usize = 256;

/// Computes each pending value whose graph reads a view of `target`'s buffer,
/// when that buffer is shared, so the views are let go before the write. The
/// pending values are listed only then: most updates find the buffer unshared.
fn release_views(target: &Array, pending: impl FnOnce() -> Vec<Array>) -> Result<(), Diag> {
    let Some(span) = target.computed().and_then(|data| (!data.is_unique()).then(|| data.span_in_memory()).flatten())
    else {
        return Ok(());
    };
    for value in pending() {
        if !value.is_computed() && reads_memory(&value, &span) {
            force(&value)?;
        }
    }
    Ok(())
}

/// True when the pending graph below `root` has a computed node whose elements
/// start inside `span` (a view of that buffer), within `SEARCH_LIMIT` nodes.
fn reads_memory(root: &Array, span: &std::ops::Range<usize>) -> bool {
    let mut stack = vec![root.clone()];
    let mut seen = 0;
    while let Some(node) = stack.pop() {
        seen += 1;
        if seen > SEARCH_LIMIT {
            return false;
        }
        match &*node.state.borrow() {
            State::Done(data) if span.contains(&data.first_address()) => return true,
            State::Pending(op) => stack.extend(op.inputs()),
            _ => {}
        }
    }
    false
}
