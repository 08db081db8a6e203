//! `concatenate` (and `hstack`, `vstack`, `column_stack`) of values split by
//! rows, into a result split by rows. Along a later axis the ranks' rows line up:
//! each rank joins its own rows of every input, with no communication. Along the
//! first axis each input's rows land at an offset: each rank fetches, from their
//! owners, the rows of each split input that fall in its own rows of the result
//! (one all-to-all per split input, moving only the rows whose owner changes).

use super::{fetch, intersect, own_rows, part_rows, row_range, splits, Rows};
use crate::diag::Diag;
use crate::dist::{self, layout::block_range};
use crate::exec::{evaluate, force};
use crate::graph::node::{Part, State};
use crate::graph::{Array, ArrayData, Op, Scalar};
use crate::num::view;

/// Computes `node` (a pending concatenation whose result is split by rows, with a
/// split input) as this rank's rows; false when it is computed whole.
pub fn try_concat(node: &Array) -> Result<bool, Diag> {
    let (inputs, axis) = match &*node.state.borrow() {
        State::Pending(Op::Concat { inputs, axis }) => (inputs.clone(), *axis),
        _ => return Ok(false),
    };
    if node.ndim() == 0 || !splits(&node.shape, &node.layout) {
        return Ok(false);
    }
    for input in &inputs {
        force(input)?;
    }
    // Dealt-out inputs are joined (rare: placed by `redistribute` on purpose).
    if inputs.iter().any(|a| a.is_dealt_out()) || !inputs.iter().any(|a| a.part().is_some()) {
        return Ok(false);
    }
    let own = own_rows(node.shape[0]);
    let mut pieces = Vec::with_capacity(inputs.len());
    if axis > 0 {
        for input in &inputs {
            pieces.push(match input.part() {
                Some(part) => part_rows(&part, own),
                None => row_range(&evaluate(input)?, own),
            });
        }
    } else {
        let (size, me) = (dist::nranks(), dist::rank());
        let mut offset = 0;
        for input in &inputs {
            let rows = input.shape[0];
            // The rows of this input that rank `q` holds in the result.
            let need = |q: usize| -> Option<Rows> {
                let (a, b) = block_range(node.shape[0], size, q);
                intersect((a.max(offset), b.max(offset)), (offset, offset + rows))
                    .map(|(a, b)| (a - offset, b - offset))
            };
            match input.part() {
                Some(part) => {
                    let needs: Vec<Option<Rows>> = (0..size).map(need).collect();
                    let part = fetch(part, rows, &needs);
                    pieces.extend(needs[me].map(|mine| part_rows(&part, mine)));
                }
                None => {
                    if let Some(mine) = need(me) {
                        pieces.push(row_range(&evaluate(input)?, mine));
                    }
                }
            }
            offset += rows;
        }
    }
    let data = if pieces.is_empty() {
        let mut shape = node.shape.clone();
        shape[0] = own.1 - own.0;
        ArrayData::full(&shape, Scalar::Bool(false), node.dtype)
    } else {
        view::concat(&pieces, axis)
    };
    *node.state.borrow_mut() = State::Part(Part { data, first: own.0 });
    Ok(true)
}
