//! Running sums and products (`cumsum`, `cumprod`) along the first axis of a value
//! split by rows (spec section 10): each rank scans its own rows and stays split.
//! Integer scans are exact in any order (wrapping 64-bit arithmetic), so every
//! rank scans at once and then adds (multiplies by) the totals of the ranks before
//! it, from one all-gather. A float scan must add in the one order a single
//! process does, so the ranks go in turn, each starting from the last row of the
//! ranks before it (one broadcast a rank): no faster than one process, but no rank
//! ever holds more than its rows, and the result is the same bit for bit.

use super::{own_rows, part_rows, rows_bytes};
use crate::diag::Diag;
use crate::dist;
use crate::exec::reduce::{self, scan_from};
use crate::graph::node::{Part, State};
use crate::graph::{Array, ArrayData, DType, Op, ScanFn};

/// Computes a pending scan along the first axis of a split value: true when
/// `node` was computed here.
pub fn try_scan(node: &Array) -> Result<bool, Diag> {
    let (f, input) = match &*node.state.borrow() {
        State::Pending(Op::Scan { f, input, axis: 0 }) => (*f, input.clone()),
        _ => return Ok(false),
    };
    if !super::splits(&node.shape, &node.layout) {
        return Ok(false);
    }
    crate::exec::force(&input)?;
    let Some(part) = input.part() else { return Ok(false) };
    let own = own_rows(node.shape[0]);
    let rows = part_rows(&part, own).cast(node.dtype);
    let data = if node.dtype.is_float() { in_turn(f, &rows) } else { with_offsets(f, &rows) };
    *node.state.borrow_mut() = State::Part(Part { data, first: own.0 });
    Ok(true)
}

/// The last row of `data` (which has rows) as bytes.
fn last_row(data: &ArrayData) -> Vec<u8> {
    let n = data.shape()[0];
    rows_bytes(data, 0, (n - 1, n))
}

/// A float scan of this rank's rows, the ranks in turn.
fn in_turn(f: ScanFn, rows: &ArrayData) -> ArrayData {
    let comm = dist::world();
    let mut carry: Option<ArrayData> = None;
    let mut mine = None;
    for turn in 0..comm.size() {
        let mut last = Vec::new();
        if turn == comm.rank() {
            let scanned = scan_from(f, rows, carry.as_ref());
            if rows.shape()[0] > 0 {
                last = last_row(&scanned);
            }
            mine = Some(scanned);
        }
        comm.broadcast(turn, &mut last);
        // A rank without rows passes the carry on unchanged.
        if !last.is_empty() {
            carry = Some(super::from_bytes(rows.dtype(), &row_shape(rows), &last));
        }
    }
    mine.expect("this rank had its turn")
}

/// An integer scan of this rank's rows: scanned alone, then combined with the
/// totals of the ranks before (integer arithmetic does not depend on order).
fn with_offsets(f: ScanFn, rows: &ArrayData) -> ArrayData {
    let scanned = reduce::scan(f, rows, 0, DType::Int64);
    let last = if rows.shape()[0] > 0 { last_row(&scanned) } else { Vec::new() };
    let totals = dist::world().all_gather(&last);
    let combine = |a: i64, b: i64| if f == ScanFn::CumSum { a.wrapping_add(b) } else { a.wrapping_mul(b) };
    let carry = totals[..dist::rank()]
        .iter()
        .filter(|bytes| !bytes.is_empty())
        .map(|bytes| bytes.chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().expect("8 bytes"))).collect())
        .reduce(|a: Vec<i64>, b| a.iter().zip(&b).map(|(&x, &y)| combine(x, y)).collect());
    let Some(carry) = carry else { return scanned.cast(rows.dtype()) };
    let ArrayData::I64(mut values) = scanned else { unreachable!("scanned in int64") };
    for mut row in values.outer_iter_mut() {
        row.iter_mut().zip(&carry).for_each(|(v, &c)| *v = combine(c, *v));
    }
    ArrayData::I64(values).cast(rows.dtype())
}

/// The shape of one row of `data`.
fn row_shape(data: &ArrayData) -> Vec<usize> {
    std::iter::once(1).chain(data.shape()[1..].iter().copied()).collect()
}
