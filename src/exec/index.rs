//! Advanced indexing: gathers by integer index or bool mask, and the updates of
//! indexed assignment (which produce a new array: value semantics).

use ndarray::{Axis, IxDyn};

use crate::diag::{Code, Diag};
use crate::graph::{Array, ArrayData, Elem, SliceElem};
use crate::num::view::slice_info;
use crate::with_dtype;

/// Index positions made absolute, or the first one out of range.
pub(super) fn positions(index: &ArrayData, len: usize, node: &Array) -> Result<Vec<usize>, Diag> {
    let raw = i64::cast_from(index);
    raw.iter()
        .map(|&i| {
            let j = if i < 0 { i + len as i64 } else { i };
            if (0..len as i64).contains(&j) {
                Ok(j as usize)
            } else {
                Err(Diag::new(
                    Code::Index,
                    node.span,
                    format!("index {i} is out of bounds for an axis of size {len}"),
                    "this indexing has an index out of range",
                ))
            }
        })
        .collect()
}

pub fn take(input: &ArrayData, axis: usize, index: &ArrayData, node: &Array) -> Result<ArrayData, Diag> {
    let len = input.shape()[axis];
    let picks = positions(index, len, node)?;
    Ok(with_dtype!(input.dtype(), T => {
        let a = T::cast_from(input);
        let selected = a.select(Axis(axis), &picks);
        let standard = selected.as_standard_layout().into_owned();
        T::wrap(standard.into_shape_with_order(IxDyn(&node.shape)).expect("take shape").into_shared())
    }))
}

/// Rows of `input` (its leading `mask.ndim()` axes flattened) where `mask` is true.
pub fn mask(input: &ArrayData, mask: &ArrayData) -> ArrayData {
    let mask = bool::cast_from(mask);
    let lead = mask.ndim();
    let picks: Vec<usize> = mask.iter().enumerate().filter(|(_, &m)| m).map(|(i, _)| i).collect();
    with_dtype!(input.dtype(), T => {
        let a = T::cast_from(input);
        let rows: usize = a.shape()[..lead].iter().product();
        let mut flat_shape = vec![rows];
        flat_shape.extend_from_slice(&a.shape()[lead..]);
        let flat = a.as_standard_layout().into_owned().into_shape_with_order(IxDyn(&flat_shape)).expect("same size");
        T::wrap(flat.select(Axis(0), &picks).into_shared())
    })
}

/// Regions at least this long are copied by all threads; a shorter copy costs
/// less than handing it to the pool.
const PARALLEL_COPY: usize = 1 << 16;

/// `input` with a region replaced. A uniquely held `input` (the common
/// `u[1:-1] = ...` in a loop) is written in place; a shared one is copied first.
pub fn set_slice(input: ArrayData, elems: &[SliceElem], value: &ArrayData) -> ArrayData {
    with_dtype!(input.dtype(), T => {
        let mut out = T::cast_into(input);
        let value = T::cast_from(value);
        let mut region = out.slice_mut(slice_info(elems));
        let region_len = region.len();
        let value = value.broadcast(region.raw_dim()).expect("checked at build");
        let zip = ndarray::Zip::from(&mut region).and(&value);
        if region_len >= PARALLEL_COPY {
            zip.par_for_each(|o, &v| *o = v);
        } else {
            zip.for_each(|o, &v| *o = v);
        }
        T::wrap(out)
    })
}

pub fn set_mask(input: &ArrayData, mask: &ArrayData, value: &ArrayData) -> ArrayData {
    let mask = bool::cast_from(mask);
    let lead = mask.ndim();
    with_dtype!(input.dtype(), T => {
        let a = T::cast_from(input);
        let shape = a.shape().to_vec();
        let rows: usize = shape[..lead].iter().product();
        let mut flat_shape = vec![rows];
        flat_shape.extend_from_slice(&shape[lead..]);
        let mut flat = a.as_standard_layout().into_owned().into_shape_with_order(IxDyn(&flat_shape)).expect("same size");
        let value = T::cast_from(value);
        let count = mask.iter().filter(|&&m| m).count();
        let mut row_shape = vec![count];
        row_shape.extend_from_slice(&shape[lead..]);
        let values = value.broadcast(IxDyn(&row_shape)).expect("checked at build");
        let mut k = 0;
        for (i, &m) in mask.iter().enumerate() {
            if m {
                flat.index_axis_mut(Axis(0), i).assign(&values.index_axis(Axis(0), k));
                k += 1;
            }
        }
        T::wrap(flat.into_shape_with_order(IxDyn(&shape)).expect("same size").into_shared())
    })
}

pub fn set_take(
    input: ArrayData,
    axis: usize,
    index: &ArrayData,
    value: &ArrayData,
    node: &Array,
) -> Result<ArrayData, Diag> {
    let picks = positions(index, input.shape()[axis], node)?;
    Ok(set_take_at(input, axis, &picks, value))
}

/// `input` with its entries at `picks` along `axis` replaced by `value`'s, in
/// order (the last of repeated positions wins). A uniquely held `input` is
/// written in place.
pub fn set_take_at(input: ArrayData, axis: usize, picks: &[usize], value: &ArrayData) -> ArrayData {
    with_dtype!(input.dtype(), T => {
        let mut out = T::cast_into(input);
        let value = T::cast_from(value);
        let mut region = out.shape().to_vec();
        region[axis] = picks.len();
        let values = value.broadcast(IxDyn(&region)).expect("checked at build");
        for (k, &p) in picks.iter().enumerate() {
            out.index_axis_mut(Axis(axis), p).assign(&values.index_axis(Axis(axis), k));
        }
        T::wrap(out)
    })
}
