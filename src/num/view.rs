//! Views: slicing, transposing, reshaping and broadcasting computed data. Slices
//! and transposes share the buffer; reshapes copy only when the data is not
//! contiguous.

use ndarray::{Axis, IxDyn, SliceInfo, SliceInfoElem};

use crate::graph::{ArrayData, Nd, SliceElem, View};

macro_rules! map_same {
    ($data:expr, $a:ident => $e:expr) => {
        match $data {
            ArrayData::Bool($a) => ArrayData::Bool($e),
            ArrayData::I32($a) => ArrayData::I32($e),
            ArrayData::I64($a) => ArrayData::I64($e),
            ArrayData::F32($a) => ArrayData::F32($e),
            ArrayData::F64($a) => ArrayData::F64($e),
        }
    };
}

pub fn slice_info(elems: &[SliceElem]) -> SliceInfo<Vec<SliceInfoElem>, IxDyn, IxDyn> {
    let items: Vec<SliceInfoElem> = elems
        .iter()
        .map(|e| match *e {
            SliceElem::Index(i) => SliceInfoElem::Index(i as isize),
            SliceElem::NewAxis => SliceInfoElem::NewAxis,
            SliceElem::Range { count: 0, .. } => SliceInfoElem::Slice { start: 0, end: Some(0), step: 1 },
            SliceElem::Range { first, count, step } if step > 0 => {
                let end = first as isize + step * (count as isize - 1) + 1;
                SliceInfoElem::Slice { start: first as isize, end: Some(end), step }
            }
            SliceElem::Range { first, count, step } => {
                // ndarray walks a negative step from the end of `start..end`.
                let lowest = first as isize + step * (count as isize - 1);
                SliceInfoElem::Slice { start: lowest, end: Some(first as isize + 1), step }
            }
        })
        .collect();
    SliceInfo::try_from(items).expect("dynamic-dimension slice info")
}

fn reshape<T: Clone>(a: &Nd<T>, shape: &[usize]) -> Nd<T> {
    let standard = a.as_standard_layout().into_owned();
    standard.into_shape_with_order(IxDyn(shape)).expect("size checked at build").into_shared()
}

pub fn apply(data: &ArrayData, view: &View) -> ArrayData {
    match view {
        View::Slice(elems) => {
            let info = slice_info(elems);
            map_same!(data, a => a.clone().slice_move(info.clone()))
        }
        View::Transpose(perm) => map_same!(data, a => a.clone().permuted_axes(IxDyn(perm))),
        View::Reshape(shape) => map_same!(data, a => reshape(a, shape)),
        View::BroadcastTo(shape) => {
            map_same!(data, a => a.broadcast(IxDyn(shape)).expect("checked at build").to_owned().into_shared())
        }
    }
}

pub fn concat(parts: &[ArrayData], axis: usize) -> ArrayData {
    macro_rules! join {
        ($variant:ident) => {{
            let views: Vec<_> = parts
                .iter()
                .map(|p| match p {
                    ArrayData::$variant(a) => a.view(),
                    _ => unreachable!("inputs cast to one dtype at build"),
                })
                .collect();
            ArrayData::$variant(
                ndarray::concatenate(Axis(axis), &views).expect("shapes checked at build").into_shared(),
            )
        }};
    }
    match &parts[0] {
        ArrayData::Bool(_) => join!(Bool),
        ArrayData::I32(_) => join!(I32),
        ArrayData::I64(_) => join!(I64),
        ArrayData::F32(_) => join!(F32),
        ArrayData::F64(_) => join!(F64),
    }
}
