//! Values split over the ranks of an MPI job (spec section 10): the first axis in
//! blocks, each rank holding its own block (`graph::node::Part`). This module makes
//! such parts: random and evenly spaced arrays drawn only for a rank's own rows;
//! fetches the neighbouring rows a kernel reads (halos: one exchange with a buffer
//! per rank, only the rows asked for); and joins the parts into the whole value
//! when something needs all of it. All data movement goes through `dist`.
//!
//! The operations that run on split values each have a module here, beside
//! their whole-value kernels elsewhere in `exec`; those `exec::force` tries on a
//! pending node are in one list, `OPERATIONS`.

pub mod combine;
pub mod concat;
pub mod counts;
pub mod cyclic;
pub mod dense;
pub mod files;
pub mod mask;
pub mod masked;
pub mod matmul;
pub mod rows;
pub mod scan;
pub mod scatter;
pub mod sort;
pub mod take;
pub mod tiled;
pub mod update;

/// Computes a pending node split over the ranks if this operation can (its
/// kind, layouts and inputs allow it), storing this rank's piece in the node:
/// true when it did, false when the node is for the next one (or runs whole).
type SplitOperation = fn(&Array) -> Result<bool, crate::diag::Diag>;

/// What `exec::force` tries, in order, on a pending node that is not a plan
/// region, before computing it whole (joining split inputs). Placements first:
/// a node moving into a new layout is only that move.
pub const OPERATIONS: &[(&str, SplitOperation)] = &[
    // `redistribute` into tiles on a process grid, or out of them.
    ("tiles", tiled::try_place),
    // `redistribute` into a cyclic placement of rows, or out of one.
    ("cyclic rows", cyclic::try_place),
    // A few rows of a split `x` (`x[:k]`): gathered whole on every rank.
    ("small slice", rows::try_small_slice),
    // `x[i]` from a split `x`: each rank asks the owners of the rows it needs.
    ("gather by index", take::try_take),
    // `x[i] = v` into a split `x`: each rank sends rows to their owners.
    ("scatter by index", scatter::try_set_take),
    // `x[mask]` of split values: each rank selects from its own rows.
    ("mask", mask::try_mask),
    // `concatenate` into a result split by rows: each rank its own rows.
    ("concatenate", concat::try_concat),
    // `a @ b` with split rows of `a`: each rank its rows of the product.
    ("matrix product", matmul::try_matmul),
    // `cumsum`/`cumprod` along split rows: each rank's offset from the ranks before.
    ("scan", scan::try_scan),
];

/// Runs the first of `OPERATIONS` that takes `node`; false when none does.
pub fn try_split(node: &Array) -> Result<bool, crate::diag::Diag> {
    for (_, operation) in OPERATIONS {
        if operation(node)? {
            return Ok(true);
        }
    }
    Ok(false)
}

pub use combine::combine;
use ndarray::{Axis, IxDyn, Slice};

use super::create;
pub use crate::dist::layout::splits;
use crate::dist::{self, layout::block_range, Layout};
use crate::graph::node::{Part, State};
use crate::graph::{Array, ArrayData, Elem, Nd, Op};

pub use crate::opt::distribute::Rows;

/// This rank's own rows of an axis of `n` rows.
pub fn own_rows(n: usize) -> Rows {
    block_range(n, dist::nranks(), dist::rank())
}

/// Whether a new value of this shape (in the default layout) is split.
pub fn splits_by_default(shape: &[usize]) -> bool {
    splits(shape, &Layout::default_shared(shape.len(), dist::nranks()))
}

/// Whether `node` is a pending random, evenly spaced or constant array (values
/// that depend only on their position) that is created split.
pub fn created_split(node: &Array) -> bool {
    node.is_pending_creation() && crate::dist::layout::splits_when_made(&node.shape, &node.layout)
}

/// Computes this rank's part of a node `created_split` says is created split, and
/// stores it in `node`; false for other nodes.
pub fn create_part(node: &Array) -> bool {
    if !created_split(node) {
        return false;
    }
    crate::dist::agreement::note_shape(&node.shape);
    let rows = own_rows(node.shape[0]);
    let part = {
        let state = node.state.borrow();
        let State::Pending(op) = &*state else { return false };
        match op {
            Op::Random { seed, stream, kind } => {
                create::random_rows(*seed, *stream, *kind, &node.shape, rows, node.dtype)
            }
            Op::Arange { start, step } => create::arange_rows(*start, *step, rows, node.dtype),
            Op::Linspace { start, stop, endpoint } => {
                create::linspace_rows(*start, *stop, node.shape[0], *endpoint, rows, node.dtype)
            }
            Op::Fill(value) => {
                let mut shape = node.shape.clone();
                shape[0] = rows.1 - rows.0;
                ArrayData::full(&shape, *value, node.dtype)
            }
            _ => return false,
        }
    };
    *node.state.borrow_mut() = State::Part(Part { data: part, first: rows.0 });
    true
}

/// The rows of `data` (a part starting at row `first`) that `rows` names, as bytes.
pub(super) fn rows_bytes(data: &ArrayData, first: usize, rows: Rows) -> Vec<u8> {
    let (a, b) = (rows.0 - first, rows.1 - first);
    macro_rules! encode {
        ($nd:expr, $put:expr) => {{
            let block = $nd.slice_axis(Axis(0), Slice::from(a..b));
            let mut out = Vec::with_capacity(block.len() * 8);
            block.iter().for_each(|&x| $put(&mut out, x));
            out
        }};
    }
    match data {
        ArrayData::Bool(x) => encode!(x, |o: &mut Vec<u8>, v: bool| o.push(u8::from(v))),
        ArrayData::I32(x) => encode!(x, |o: &mut Vec<u8>, v: i32| o.extend_from_slice(&v.to_le_bytes())),
        ArrayData::I64(x) => encode!(x, |o: &mut Vec<u8>, v: i64| o.extend_from_slice(&v.to_le_bytes())),
        ArrayData::F32(x) => encode!(x, |o: &mut Vec<u8>, v: f32| o.extend_from_slice(&v.to_le_bytes())),
        ArrayData::F64(x) => encode!(x, |o: &mut Vec<u8>, v: f64| o.extend_from_slice(&v.to_le_bytes())),
    }
}

/// Writes `bytes` (rows encoded by `rows_bytes`) into rows starting at local row
/// `at` of `data`, which this rank holds alone.
fn write_rows(data: &mut ArrayData, at: usize, bytes: &[u8]) {
    fn put<T: Elem>(nd: &mut Nd<T>, at: usize, bytes: &[u8], width: usize, get: impl Fn(&[u8]) -> T) {
        let row: usize = nd.shape()[1..].iter().product();
        let flat = nd.as_slice_mut().expect("parts are in standard layout");
        let values = bytes.chunks_exact(width).map(get);
        flat[at * row..].iter_mut().zip(values).for_each(|(d, v)| *d = v);
    }
    match data {
        ArrayData::Bool(x) => put(x, at, bytes, 1, |b| b[0] != 0),
        ArrayData::I32(x) => put(x, at, bytes, 4, |b| i32::from_le_bytes(b.try_into().expect("4 bytes"))),
        ArrayData::I64(x) => put(x, at, bytes, 8, |b| i64::from_le_bytes(b.try_into().expect("8 bytes"))),
        ArrayData::F32(x) => put(x, at, bytes, 4, |b| f32::from_le_bytes(b.try_into().expect("4 bytes"))),
        ArrayData::F64(x) => put(x, at, bytes, 8, |b| f64::from_le_bytes(b.try_into().expect("8 bytes"))),
    }
}

/// Rows `[start, stop)` of `data`: sharing its buffer when it is in standard
/// layout (a rank's own rows of its part, read by every split product, cost
/// nothing), else copied into standard layout.
pub(super) fn row_range(data: &ArrayData, (start, stop): Rows) -> ArrayData {
    crate::with_dtype!(data.dtype(), T => {
        let mut rows = T::cast_from(data);
        if rows.is_standard_layout() {
            rows.slice_axis_inplace(Axis(0), Slice::from(start..stop));
            T::wrap(rows)
        } else {
            T::wrap(rows.slice_axis(Axis(0), Slice::from(start..stop)).to_owned().into_shared())
        }
    })
}

/// Rows `rows` (numbered in the whole value) of a part that holds them.
pub(super) fn part_rows(part: &Part, rows: Rows) -> ArrayData {
    row_range(&part.data, (rows.0 - part.first, rows.1 - part.first))
}

/// The blocks (at least one, alike after the first axis) one after another.
pub(super) fn concat_rows(blocks: &[ArrayData]) -> ArrayData {
    crate::with_dtype!(blocks[0].dtype(), T => {
        let parts: Vec<_> = blocks.iter().map(T::cast_from).collect();
        let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
        T::wrap(ndarray::concatenate(Axis(0), &views).expect("blocks alike after the first axis").into_shared())
    })
}

/// `count` rows shaped like `like` after its first axis, from `bytes` (encoded
/// by `rows_bytes`).
pub(super) fn rows_from_bytes(like: &ArrayData, count: usize, bytes: &[u8]) -> ArrayData {
    let mut rows = zeroed_like(like, count);
    write_rows(&mut rows, 0, bytes);
    rows
}

/// An array of `shape` and `dtype` from `bytes` (encoded by `rows_bytes`).
pub(super) fn from_bytes(dtype: crate::graph::DType, shape: &[usize], bytes: &[u8]) -> ArrayData {
    let mut data = crate::with_dtype!(dtype, T => T::wrap(Nd::<T>::from_elem(IxDyn(shape), T::default())));
    write_rows(&mut data, 0, bytes);
    data
}

/// A zeroed array of `rows` rows shaped like `like` after its first axis.
fn zeroed_like(like: &ArrayData, rows: usize) -> ArrayData {
    let mut shape = like.shape().to_vec();
    shape[0] = rows;
    crate::with_dtype!(like.dtype(), T => T::wrap(Nd::<T>::from_elem(IxDyn(&shape), T::default())))
}

fn intersect(a: Rows, b: Rows) -> Option<Rows> {
    let (start, stop) = (a.0.max(b.0), a.1.min(b.1));
    (start < stop).then_some((start, stop))
}

/// `part` (of a value of `n` rows) holding the rows `need[q]` that each rank `q`
/// reads, the missing ones taken from the ranks that own them. Every rank calls
/// this at the same point with the same `need`; each sends only rows others asked
/// for. The rows are written in place when `part` already spans them (and its
/// buffer is not shared), else into a larger buffer.
pub fn fetch(part: Part, n: usize, need: &[Option<Rows>]) -> Part {
    let comm = dist::world();
    let (me, size) = (comm.rank(), comm.size());
    let own = |q: usize| block_range(n, size, q);
    let outgoing: Vec<Vec<u8>> = (0..size)
        .map(|q| match need[q].and_then(|rows| intersect(rows, own(me))) {
            Some(rows) if q != me => rows_bytes(&part.data, part.first, rows),
            _ => Vec::new(),
        })
        .collect();
    let incoming = comm.all_to_all(outgoing);
    let Some(needed) = need[me] else { return part };
    if incoming.iter().all(Vec::is_empty) {
        return part;
    }
    let span = (needed.0.min(own(me).0), needed.1.max(own(me).1));
    let held = (part.first, part.first + part.data.shape()[0]);
    let Part { mut data, first } = if span.0 >= held.0 && span.1 <= held.1 {
        part
    } else {
        let mut bigger = zeroed_like(&part.data, span.1 - span.0);
        write_rows(&mut bigger, own(me).0 - span.0, &rows_bytes(&part.data, part.first, own(me)));
        Part { data: bigger, first: span.0 }
    };
    for (q, bytes) in incoming.iter().enumerate() {
        if let Some(rows) = intersect(needed, own(q)).filter(|_| q != me) {
            write_rows(&mut data, rows.0 - first, bytes);
        }
    }
    Part { data, first }
}

/// This rank's own block of rows of a value of `n` rows, from runs of rows that
/// the ranks hold one after another in rank order (any number each; `run` is
/// this rank's): one all-gather of the run lengths, one all-to-all of rows.
pub(super) fn into_blocks(run: &ArrayData, n: usize) -> ArrayData {
    let comm = dist::world();
    let size = comm.size();
    let lengths = all_gather_count(run.shape()[0]);
    // Where this rank's run starts among all.
    let start: usize = lengths[..comm.rank()].iter().sum();
    let outgoing = (0..size)
        .map(|q| match intersect(block_range(n, size, q), (start, start + run.shape()[0])) {
            Some(rows) => rows_bytes(run, start, rows),
            None => Vec::new(),
        })
        .collect();
    let mine = own_rows(n);
    let incoming = comm.all_to_all(outgoing);
    let blocks: Vec<ArrayData> = (0..size)
        .map(|q| {
            let from = (lengths[..q].iter().sum::<usize>(), lengths[..=q].iter().sum::<usize>());
            let count = intersect(mine, from).map_or(0, |(a, b)| b - a);
            rows_from_bytes(run, count, &incoming[q])
        })
        .collect();
    concat_rows(&blocks)
}

/// Every rank's `count`, in rank order, on every rank (one all-gather).
pub(super) fn all_gather_count(count: usize) -> Vec<usize> {
    let counts = dist::world().all_gather(&(count as u64).to_le_bytes());
    counts.iter().map(|b| u64::from_le_bytes(b.as_slice().try_into().unwrap_or([0; 8])) as usize).collect()
}

/// The rank that owns row `row` of `n` rows in the default block layout.
pub(super) fn block_owner(row: usize, n: usize) -> usize {
    crate::dist::layout::block_owner(row, n, dist::nranks())
}

/// Rows `rows` of `data`, in that order.
pub(super) fn select_rows(data: &ArrayData, rows: &[usize]) -> ArrayData {
    crate::with_dtype!(data.dtype(), T => T::wrap(T::cast_from(data).select(Axis(0), rows).into_shared()))
}

/// `fetch` for the part a graph node holds (taken out of the node meanwhile, so
/// that the buffer is not shared); the node keeps the result.
pub fn fetch_into(node: &Array, need: &[Option<Rows>]) {
    let placeholder = State::Done(ArrayData::scalar(crate::graph::Scalar::Bool(false), node.dtype));
    let part = match std::mem::replace(&mut *node.state.borrow_mut(), placeholder) {
        State::Part(part) => part,
        _ => unreachable!("a split value"),
    };
    *node.state.borrow_mut() = State::Part(fetch(part, node.shape[0], need));
}

/// The whole value of the part `part` of a value of `n` rows, joined from every
/// rank's own block (every rank calls this at the same point).
pub fn join_part(part: &Part, n: usize) -> ArrayData {
    let comm = dist::world();
    let mine = rows_bytes(&part.data, part.first, own_rows(n));
    let blocks = comm.all_gather(&mine);
    let mut whole = zeroed_like(&part.data, n);
    for (q, bytes) in blocks.iter().enumerate() {
        write_rows(&mut whole, block_range(n, comm.size(), q).0, bytes);
    }
    whole
}

/// Rows `rows` (increasing) of a value split by rows, on every rank, each rank's
/// rows first passed through `shrink` (which keeps the first axis): the edges a
/// summarized print shows, say, without joining the value. `None` for a value
/// not split by rows. Every rank calls this at the same point.
pub fn gather_rows(node: &Array, rows: &[usize], shrink: impl Fn(&ArrayData) -> ArrayData) -> Option<ArrayData> {
    let part = node.part()?;
    let own = own_rows(node.shape[0]);
    let local: Vec<usize> = rows.iter().filter(|&&r| own.0 <= r && r < own.1).map(|&r| r - part.first).collect();
    let mine = shrink(&select_rows(&part.data, &local));
    let gathered = dist::world().all_gather(&rows_bytes(&mine, 0, (0, mine.shape()[0])));
    let row_len = mine.shape()[1..].iter().product::<usize>() * mine.dtype().size_bytes();
    let pieces: Vec<ArrayData> =
        gathered.iter().map(|bytes| rows_from_bytes(&mine, bytes.len() / row_len.max(1), bytes)).collect();
    Some(concat_rows(&pieces))
}

/// The whole value of a split node, in blocks, cyclic or tiles (every rank calls this at
/// the same point) for an operation that has no split form; the node then holds it
/// whole.
pub fn join(node: &Array) -> ArrayData {
    super::stats::record_join();
    join_uncounted(node)
}

/// `join` for output: printing a split value in full (one small enough not to
/// be summarized), writing it to a text or image file. Counted apart from joins
/// for computing.
pub fn join_for_output(node: &Array) -> ArrayData {
    super::stats::record_output_gather();
    join_uncounted(node)
}

fn join_uncounted(node: &Array) -> ArrayData {
    if let Some(whole) = cyclic::join(node).or_else(|| tiled::join(node)) {
        return whole;
    }
    let part = node.part().expect("a split value");
    let whole = join_part(&part, node.shape[0]);
    *node.state.borrow_mut() = State::Done(whole.clone());
    whole
}
