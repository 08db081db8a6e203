//! Sorting a 1-D value split over the ranks (spec section 10), by sample sort:
//! each rank sorts its own elements, the ranks agree on splitters from regular
//! samples of every rank, one all-to-all sends each element to the rank of its
//! bucket, and a second one moves the sorted buckets into the block layout. The
//! sort is stable (ties keep their order across ranks), so the result is the
//! single-process one element for element, and no rank ever holds the whole.
//! `unique` is the same sort with repeats dropped before and after it; `argsort`
//! carries each element's position through it.

use std::cmp::Ordering;

use ndarray::IxDyn;

use super::{concat_rows, own_rows, part_rows, rows_bytes, rows_from_bytes};
use crate::dist;
use crate::graph::node::Part;
use crate::graph::{Array, ArrayData, Elem, Nd, Node};
use crate::syntax::Span;
use crate::with_dtype;

/// The order `sort` uses: nan last, as in NumPy.
pub fn total_order(x: f64, y: f64) -> Ordering {
    match (x.is_nan(), y.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => x.partial_cmp(&y).expect("not nan"),
    }
}

/// `a` sorted, split over the ranks as `a` is, when `a` (computed) is a split 1-D
/// value; `None` when it is held whole.
pub fn sort(a: &Array, span: Span) -> Option<Array> {
    let part = a.part().filter(|_| a.ndim() == 1)?;
    let n = a.shape[0];
    let mine = own_rows(n);
    let bucket = sample_sort(&sorted(&part_rows(&part, mine)));
    // Move the buckets into the block layout.
    let data = super::into_blocks(&bucket, n);
    crate::exec::stats::record_split_sort();
    Some(Node::from_part(Part { data, first: mine.0 }, vec![n], a.dtype, span))
}

/// `argsort(a)` (the positions that sort `a`, ties in the order they come), split
/// over the ranks in blocks, when `a` (computed) is a split 1-D value; `None` when
/// it is held whole. The sample sort carries each element's position along.
pub fn argsort(a: &Array, span: Span) -> Option<Array> {
    let part = a.part().filter(|_| a.ndim() == 1)?;
    let n = a.shape[0];
    let mine = own_rows(n);
    let values = part_rows(&part, mine);
    let order = sort_order(&values);
    let own = super::select_rows(&values, &order);
    let positions: Vec<i64> = order.iter().map(|&i| (mine.0 + i) as i64).collect();
    let (_, positions) = sample_sort_carrying(&own, Some(&positions));
    let count = positions.len();
    let positions = ArrayData::I64(Nd::from_shape_vec(IxDyn(&[count]), positions).expect("1-D"));
    let data = super::into_blocks(&positions, n);
    crate::exec::stats::record_split_sort();
    Some(Node::from_part(Part { data, first: mine.0 }, vec![n], crate::graph::DType::Int64, span))
}

/// `unique(a)` (the distinct elements, sorted, one nan at most) split over the
/// ranks in blocks, when `a` (computed) is split; `None` when it is held whole.
/// Each rank drops its own repeats, the sample sort puts equal elements in one
/// bucket, and each rank drops the repeats in its bucket.
pub fn unique(a: &Array, span: Span) -> Option<Array> {
    let part = a.part()?;
    let own = part_rows(&part, own_rows(a.shape[0]));
    let flat = with_dtype!(own.dtype(), T => {
        let values: Vec<T> = T::cast_from(&own).iter().copied().collect();
        T::wrap(Nd::from_shape_vec(IxDyn(&[values.len()]), values).expect("1-D"))
    });
    let bucket = distinct(&sample_sort(&distinct(&sorted(&flat))));
    let n = super::all_gather_count(bucket.shape()[0]).iter().sum();
    let data = super::into_blocks(&bucket, n);
    crate::exec::stats::record_split_sort();
    Some(Node::from_part(Part { data, first: own_rows(n).0 }, vec![n], a.dtype, span))
}

/// Sample sort of 1-D values: given this rank's values sorted, returns this
/// rank's bucket, sorted. Buckets follow the ranks in order (every element of
/// bucket `q` is at most every element of bucket `q + 1`), equal elements share
/// a bucket, and ties keep their order (by rank, then position).
fn sample_sort(own: &ArrayData) -> ArrayData {
    sample_sort_carrying(own, None).0
}

/// `sample_sort`, moving `carried` (one value per element, when given) with the
/// elements: returns the bucket and the values carried with it, in its order.
fn sample_sort_carrying(own: &ArrayData, carried: Option<&[i64]>) -> (ArrayData, Vec<i64>) {
    let comm = dist::world();
    let size = comm.size();
    // Splitters: from every rank's regular samples, the same on every rank.
    let samples = comm.all_gather(&keys_bytes(&regular_samples(own, size)));
    let mut pooled: Vec<f64> = samples.iter().flat_map(|b| decode_keys(b)).collect();
    pooled.sort_by(|x, y| total_order(*x, *y));
    let splitters: Vec<f64> = (1..size).filter_map(|b| pooled.get(b * pooled.len() / size).copied()).collect();
    // Bucket b takes the elements above splitter b-1 and up to splitter b: equal
    // elements share a bucket, so the order of ties is kept.
    let keys = to_keys(own);
    let mut bounds = vec![0];
    bounds.extend(splitters.iter().map(|s| keys.partition_point(|k| total_order(*k, *s) != Ordering::Greater)));
    bounds.resize(size + 1, keys.len());
    let outgoing = (0..size).map(|b| rows_bytes(own, 0, (bounds[b], bounds[b + 1]))).collect();
    let incoming = comm.all_to_all(outgoing);
    let runs: Vec<ArrayData> = incoming.iter().map(|bytes| decode(own, bytes)).collect();
    // Runs arrive in rank order, each sorted: a stable sort of them one after
    // another keeps ties in their original order.
    let Some(carried) = carried else { return (sorted(&concat_rows(&runs)), Vec::new()) };
    let outgoing =
        (0..size).map(|b| carried[bounds[b]..bounds[b + 1]].iter().flat_map(|v| v.to_le_bytes()).collect()).collect();
    let carried: Vec<i64> = comm
        .all_to_all(outgoing)
        .iter()
        .flat_map(|bytes| bytes.chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().expect("8 bytes"))))
        .collect();
    let bucket = concat_rows(&runs);
    let order = sort_order(&bucket);
    (super::select_rows(&bucket, &order), order.iter().map(|&i| carried[i]).collect())
}

/// The positions of 1-D `data` in stably sorted order.
fn sort_order(data: &ArrayData) -> Vec<usize> {
    let keys = to_keys(data);
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&i, &j| total_order(keys[i], keys[j]));
    order
}

/// Sorted 1-D values without repeats (nans count as equal, as `unique` has them).
fn distinct(data: &ArrayData) -> ArrayData {
    with_dtype!(data.dtype(), T => {
        let mut values: Vec<T> = T::cast_from(data).iter().copied().collect();
        values.dedup_by(|x, y| total_order(x.to_f64(), y.to_f64()) == Ordering::Equal);
        let n = values.len();
        T::wrap(Nd::from_shape_vec(IxDyn(&[n]), values).expect("1-D"))
    })
}

/// A stable sort of a 1-D array.
fn sorted(data: &ArrayData) -> ArrayData {
    with_dtype!(data.dtype(), T => {
        let mut values: Vec<T> = T::cast_from(data).iter().copied().collect();
        values.sort_by(|x, y| total_order(x.to_f64(), y.to_f64()));
        let n = values.len();
        T::wrap(Nd::from_shape_vec(IxDyn(&[n]), values).expect("1-D"))
    })
}

/// A 1-D array of `like`'s dtype from bytes `rows_bytes` encoded.
fn decode(like: &ArrayData, bytes: &[u8]) -> ArrayData {
    let count = bytes.len() / like.dtype().size_bytes().max(1);
    rows_from_bytes(like, count, bytes)
}

fn to_keys(data: &ArrayData) -> Vec<f64> {
    with_dtype!(data.dtype(), T => T::cast_from(data).iter().map(|v| v.to_f64()).collect())
}

/// `count` elements at regular positions of sorted `data` (all when fewer).
fn regular_samples(data: &ArrayData, count: usize) -> Vec<f64> {
    let keys = to_keys(data);
    if keys.len() <= count {
        return keys;
    }
    (0..count).map(|j| keys[(2 * j + 1) * keys.len() / (2 * count)]).collect()
}

fn keys_bytes(keys: &[f64]) -> Vec<u8> {
    keys.iter().flat_map(|k| k.to_le_bytes()).collect()
}

fn decode_keys(bytes: &[u8]) -> Vec<f64> {
    bytes.chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes"))).collect()
}
