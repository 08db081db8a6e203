//! Cyclic placements (spec section 10): `dist="c"` deals the rows of the first
//! axis out to the ranks one by one, round robin, and `dist="bc"` with `block=b`
//! deals out blocks of `b` rows (cyclic is block-cyclic with blocks of one row).
//! Each rank holds only its own rows (`graph::node::Cycled`).
//!
//! `redistribute` (and `dist=` on creation, which is a redistribution of the new
//! array) moves rows between the default block layout and a cyclic one with one
//! all-to-all, each rank sending every other rank just the rows it will own; a
//! value every rank holds whole needs no communication. A plan that reads a
//! cyclic value gets its rows in blocks by one such exchange (`to_blocks`), and
//! printing or any operation without a split form joins it (`join`).

use super::{block_owner, concat_rows, own_rows, rows_bytes, rows_from_bytes, select_rows};
use crate::diag::Diag;
use crate::dist;
pub use crate::dist::layout::cycle_of;
use crate::graph::node::{Cycled, Part, State};
use crate::graph::{Array, ArrayData, Op};

/// The rank that holds row `row` when blocks of `block` rows are dealt out to
/// `size` ranks.
fn cyclic_owner(row: usize, block: usize, size: usize) -> usize {
    (row / block) % size
}

/// The rows rank `q` holds, in increasing order.
fn cyclic_rows(n: usize, block: usize, size: usize, q: usize) -> Vec<usize> {
    (q * block..n).step_by(block * size).flat_map(|start| start..(start + block).min(n)).collect()
}

/// Computes a pending redistribution into or out of a cyclic placement: true
/// when `node` was computed here.
pub fn try_place(node: &Array) -> Result<bool, Diag> {
    let input = match &*node.state.borrow() {
        State::Pending(Op::Redistribute(input)) => input.clone(),
        _ => return Ok(false),
    };
    let (n, size, me) = (node.shape.first().copied().unwrap_or(0), dist::nranks(), dist::rank());
    if let Some(block) = cycle_of(&node.shape, &node.layout) {
        let wanted = cyclic_rows(n, block, size, me);
        crate::exec::force(&input)?;
        let data = match (input.part(), input.cycled()) {
            (Some(part), _) => {
                let own = own_rows(n);
                let mine: Vec<usize> = (own.0..own.1).collect();
                let data = super::row_range(&part.data, (own.0 - part.first, own.1 - part.first));
                exchange(&data, &mine, |row| cyclic_owner(row, block, size), |row| block_owner(row, n), &wanted)
            }
            (None, Some(c)) => {
                let mine = cyclic_rows(n, c.block, size, me);
                let from = c.block;
                exchange(
                    &c.data,
                    &mine,
                    |row| cyclic_owner(row, block, size),
                    |row| cyclic_owner(row, from, size),
                    &wanted,
                )
            }
            (None, None) => select_rows(&crate::exec::evaluate(&input)?, &wanted),
        };
        *node.state.borrow_mut() = State::Cycled(Cycled { data, block });
        return Ok(true);
    }
    if super::splits(&node.shape, &node.layout) {
        crate::exec::force(&input)?;
        if let Some(c) = input.cycled() {
            let own = own_rows(n);
            *node.state.borrow_mut() = State::Part(Part { data: to_block_rows(&c, n), first: own.0 });
            return Ok(true);
        }
    }
    Ok(false)
}

/// This rank's own block of rows (the default layout) of a cyclic value of `n` rows.
fn to_block_rows(c: &Cycled, n: usize) -> ArrayData {
    let (size, me) = (dist::nranks(), dist::rank());
    let own = own_rows(n);
    let wanted: Vec<usize> = (own.0..own.1).collect();
    let mine = cyclic_rows(n, c.block, size, me);
    exchange(&c.data, &mine, |row| block_owner(row, n), |row| cyclic_owner(row, c.block, size), &wanted)
}

/// A cyclic value as a part in the default block layout, for a plan that reads it
/// (every rank calls this at the same point). The node itself stays cyclic.
pub fn to_blocks(node: &Array) -> Option<Part> {
    let c = node.cycled()?;
    let n = node.shape[0];
    Some(Part { data: to_block_rows(&c, n), first: own_rows(n).0 })
}

/// The whole value of a cyclic node, on every rank (every rank calls this at the
/// same point); the node then holds it whole.
pub fn join(node: &Array) -> Option<ArrayData> {
    let c = node.cycled()?;
    let (n, size) = (node.shape[0], dist::nranks());
    let blocks = dist::world().all_gather(&rows_bytes(&c.data, 0, (0, c.data.shape()[0])));
    let pieces: Vec<ArrayData> = blocks
        .iter()
        .enumerate()
        .map(|(q, bytes)| rows_from_bytes(&c.data, cyclic_rows(n, c.block, size, q).len(), bytes))
        .collect();
    let order: Vec<usize> = (0..size).flat_map(|q| cyclic_rows(n, c.block, size, q)).collect();
    let whole = place_rows(&concat_rows(&pieces), &order, n);
    *node.state.borrow_mut() = State::Done(whole.clone());
    Some(whole)
}

/// Moves rows to a new placement with one all-to-all. This rank holds `data`,
/// whose local row `i` is row `mine[i]` of the value (increasing); each row goes
/// to `new_owner(row)`; `old_owner` says where each row was. Returns the rows
/// `wanted` (increasing) in that order.
fn exchange(
    data: &ArrayData,
    mine: &[usize],
    new_owner: impl Fn(usize) -> usize,
    old_owner: impl Fn(usize) -> usize,
    wanted: &[usize],
) -> ArrayData {
    let comm = dist::world();
    crate::exec::stats::record_placement();
    let size = comm.size();
    let mut outgoing_rows: Vec<Vec<usize>> = vec![Vec::new(); size];
    for (local, &row) in mine.iter().enumerate() {
        outgoing_rows[new_owner(row)].push(local);
    }
    let outgoing: Vec<Vec<u8>> = outgoing_rows
        .iter()
        .map(|locals| {
            let rows = select_rows(data, locals);
            rows_bytes(&rows, 0, (0, locals.len()))
        })
        .collect();
    let incoming = comm.all_to_all(outgoing);
    // Rank q sent the wanted rows it held, in increasing order.
    let mut from: Vec<Vec<usize>> = vec![Vec::new(); size];
    for (i, &row) in wanted.iter().enumerate() {
        from[old_owner(row)].push(i);
    }
    let pieces: Vec<ArrayData> =
        incoming.iter().zip(&from).map(|(bytes, places)| rows_from_bytes(data, places.len(), bytes)).collect();
    let order: Vec<usize> = from.into_iter().flatten().collect();
    place_rows(&concat_rows(&pieces), &order, wanted.len())
}

/// Rows placed so that row `k` of `rows` lands at `order[k]` (a permutation of
/// `0..len`).
fn place_rows(rows: &ArrayData, order: &[usize], len: usize) -> ArrayData {
    let mut source = vec![0; len];
    for (k, &at) in order.iter().enumerate() {
        source[at] = k;
    }
    select_rows(rows, &source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyclic_rows_cover_the_axis_once() {
        for n in 0..30 {
            for size in 1..5 {
                for block in 1..4 {
                    let mut seen = vec![0; n];
                    for q in 0..size {
                        let rows = cyclic_rows(n, block, size, q);
                        assert!(rows.windows(2).all(|w| w[0] < w[1]));
                        for &r in &rows {
                            assert_eq!(cyclic_owner(r, block, size), q);
                            seen[r] += 1;
                        }
                    }
                    assert!(seen.iter().all(|&s| s == 1), "n {n} size {size} block {block}");
                }
            }
        }
        assert_eq!(cyclic_rows(10, 2, 3, 1), vec![2, 3, 8, 9]);
    }
}
