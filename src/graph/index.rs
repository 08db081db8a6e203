//! Indexing (spec section 6): basic indices become views; an int array becomes a
//! gather whose bounds are checked when it is evaluated; a bool mask (whose result
//! length depends on data) is evaluated when the node is built. Indexed assignment
//! builds a new array with the region replaced (value semantics).

use super::build::{broadcast_to, cast, view};
use super::data::ArrayData;
use super::dtype::DType;
use super::node::{Array, Node, Op, SliceElem, View};
use super::shape::{self, normalize_index, slice_indices, Shape};
use crate::diag::{Code, Diag};
use crate::syntax::Span;

#[derive(Clone, Debug)]
pub enum IndexArg {
    Int(i64),
    Slice(Option<i64>, Option<i64>, Option<i64>),
    Ellipsis,
    NewAxis,
    Array(Array),
}

/// An index resolved against a shape: the basic part, and at most one advanced
/// index (an int array along an axis of the view, or a leading bool mask).
struct Resolved {
    elems: Vec<SliceElem>,
    shape: Shape,
    advanced: Option<Advanced>,
}

enum Advanced {
    /// Gather along `axis` of the basic view.
    Take { axis: usize, index: Array },
    /// Mask over the leading axes of the basic view.
    Mask { mask: Array },
}

fn consumed(arg: &IndexArg) -> usize {
    match arg {
        IndexArg::Int(_) | IndexArg::Slice(..) => 1,
        IndexArg::Array(a) if a.dtype == DType::Bool => a.ndim().max(1),
        IndexArg::Array(_) => 1,
        IndexArg::Ellipsis | IndexArg::NewAxis => 0,
    }
}

fn resolve(a: &Array, args: &[(IndexArg, Span)], span: Span) -> Result<Resolved, Diag> {
    let used: usize = args.iter().map(|(arg, _)| consumed(arg)).sum();
    if used > a.ndim() {
        return Err(Diag::new(
            Code::Index,
            span,
            format!("too many indices: the array is {}-dimensional, but {used} were indexed", a.ndim()),
            "too many indices",
        ));
    }
    if args.iter().filter(|(arg, _)| matches!(arg, IndexArg::Ellipsis)).count() > 1 {
        return Err(Diag::new(Code::Index, span, "an index can only have a single ellipsis (`...`)", "two ellipses"));
    }
    let advanced_count = args.iter().filter(|(arg, _)| matches!(arg, IndexArg::Array(_))).count();
    if advanced_count > 1 {
        return Err(Diag::new(
            Code::Index,
            span,
            "only one array index per indexing operation is supported",
            "several array indices",
        )
        .with_help("index in two steps, e.g. `a[rows][:, cols]`"));
    }
    let mut elems = Vec::new();
    let mut shape = Vec::new();
    let mut advanced = None;
    let mut dim = 0;
    for (arg, arg_span) in args {
        match arg {
            IndexArg::Int(i) => {
                let len = a.shape[dim];
                let at = normalize_index(*i, len).ok_or_else(|| {
                    Diag::new(
                        Code::Index,
                        *arg_span,
                        format!("index {i} is out of bounds for axis {dim} with size {len}"),
                        "out of range",
                    )
                })?;
                elems.push(SliceElem::Index(at));
                dim += 1;
            }
            IndexArg::Slice(start, stop, step) => {
                let step = step.unwrap_or(1);
                if step == 0 {
                    return Err(Diag::new(Code::Value, *arg_span, "slice step cannot be zero", "zero step"));
                }
                // The first pick and how many (the picks of `:` are never listed).
                let mut picks = slice_indices(*start, *stop, step, a.shape[dim]);
                let count = picks.size_hint().0;
                let first = picks.next().unwrap_or(0);
                shape.push(count);
                elems.push(SliceElem::Range { first, count, step: step as isize });
                dim += 1;
            }
            IndexArg::Ellipsis => {
                let rest = a.ndim() - used;
                for _ in 0..rest {
                    let len = a.shape[dim];
                    elems.push(SliceElem::Range { first: 0, count: len, step: 1 });
                    shape.push(len);
                    dim += 1;
                }
            }
            IndexArg::NewAxis => {
                elems.push(SliceElem::NewAxis);
                shape.push(1);
            }
            IndexArg::Array(index) => {
                let covered = consumed(arg);
                if index.dtype == DType::Bool {
                    let expected = &a.shape[dim..dim + covered];
                    if index.shape != expected || !elems.iter().all(|e| matches!(e, SliceElem::Range { .. })) {
                        return Err(Diag::new(
                            Code::Index,
                            *arg_span,
                            format!(
                                "a bool mask of shape {} does not fit axes of shape {}",
                                shape::show(&index.shape),
                                shape::show(expected)
                            ),
                            "mask shape",
                        ));
                    }
                    advanced = Some(Advanced::Mask { mask: index.clone() });
                } else if index.dtype.is_float() {
                    return Err(Diag::new(
                        Code::Index,
                        *arg_span,
                        "arrays used as indices must be of integer or bool type",
                        format!("this is a {} array", index.dtype.name()),
                    ));
                } else {
                    advanced = Some(Advanced::Take { axis: shape.len(), index: index.clone() });
                }
                for _ in 0..covered {
                    let len = a.shape[dim];
                    elems.push(SliceElem::Range { first: 0, count: len, step: 1 });
                    shape.push(len);
                    dim += 1;
                }
            }
        }
    }
    while dim < a.ndim() {
        elems.push(SliceElem::Range { first: 0, count: a.shape[dim], step: 1 });
        shape.push(a.shape[dim]);
        dim += 1;
    }
    Ok(Resolved { elems, shape, advanced })
}

fn is_whole(elems: &[SliceElem], shape: &[usize]) -> bool {
    elems.len() == shape.len()
        && elems
            .iter()
            .zip(shape)
            .all(|(e, &n)| matches!(e, SliceElem::Range { first: 0, count, step: 1 } if *count == n))
}

/// Counts the true elements of a mask, computing it: a mask selection's length
/// is its count, and the graph never computes anything itself, so the caller
/// passes the executor's count (`exec::count_true`).
pub type CountTrue<'a> = &'a dyn Fn(&Array) -> Result<usize, Diag>;

/// Number of true elements of a mask (its length shapes the result).
fn mask_count(mask: &Array, span: Span, count_true: CountTrue) -> Result<usize, Diag> {
    count_true(mask).map_err(|d| d.with_label(span, "the mask is needed here"))
}

/// `a[args]`.
/// `count_true` counts a bool mask's true elements (see `CountTrue`).
pub fn index(a: &Array, args: &[(IndexArg, Span)], span: Span, count_true: CountTrue) -> Result<Array, Diag> {
    let r = resolve(a, args, span)?;
    if let Some(element) = computed_element(a, &r, span) {
        return Ok(element);
    }
    let basic =
        if is_whole(&r.elems, &a.shape) { a.clone() } else { view(a, View::Slice(r.elems), r.shape.clone(), span) };
    match r.advanced {
        None => Ok(basic),
        Some(Advanced::Take { axis, index }) => {
            let mut shape = r.shape[..axis].to_vec();
            shape.extend_from_slice(&index.shape);
            shape.extend_from_slice(&r.shape[axis + 1..]);
            let index = cast(&index, DType::Int64, span);
            Ok(Node::new(Op::Take { input: basic, axis, index }, shape, a.dtype, span))
        }
        Some(Advanced::Mask { mask }) => {
            let count = mask_count(&mask, span, count_true)?;
            let mut shape = vec![count];
            shape.extend_from_slice(&r.shape[mask.ndim()..]);
            Ok(Node::new(Op::Mask { input: basic, mask }, shape, a.dtype, span))
        }
    }
}

/// One element of a computed array (`m[i, j]` in a scalar loop), read at once:
/// a view node would cost a plan to compute.
fn computed_element(a: &Array, r: &Resolved, span: Span) -> Option<Array> {
    if r.advanced.is_some() || !r.shape.is_empty() {
        return None;
    }
    let at = r
        .elems
        .iter()
        .map(|e| if let SliceElem::Index(i) = e { Some(*i) } else { None })
        .collect::<Option<Vec<_>>>()?;
    let value = a.computed()?.get(&at)?;
    Some(Node::from_data(ArrayData::scalar(value, a.dtype), span))
}

/// `a[args] = value`: a new array equal to `a` but for the indexed region, which
/// takes `value` broadcast to the region's shape and cast to `a`'s dtype.
pub fn update(
    a: &Array,
    args: &[(IndexArg, Span)],
    value: &Array,
    span: Span,
    count_true: CountTrue,
) -> Result<Array, Diag> {
    let r = resolve(a, args, span)?;
    let value = cast(value, a.dtype, span);
    let region_shape = |region: &[usize]| -> Result<Array, Diag> {
        broadcast_to(&value, region.to_vec(), span).map_err(|_| {
            Diag::new(
                Code::Shape,
                span,
                format!(
                    "cannot assign a value of shape {} to a region of shape {}",
                    shape::show(&value.shape),
                    shape::show(region)
                ),
                "shapes do not fit",
            )
        })
    };
    match r.advanced {
        None => {
            let value = region_shape(&r.shape)?;
            Ok(Node::new(Op::SetSlice { input: a.clone(), elems: r.elems, value }, a.shape.clone(), a.dtype, span))
        }
        Some(_) if !is_whole(&r.elems, &a.shape) => Err(Diag::new(
            Code::Index,
            span,
            "assignment through an array index combined with other indices is not supported",
            "mixed indexing",
        )
        .with_help("assign to `a[idx]` or `a[mask]` alone")),
        Some(Advanced::Take { axis, index }) => {
            let mut region = a.shape.clone();
            region[axis] = index.size();
            let value = region_shape(&region)?;
            let index = cast(&index, DType::Int64, span);
            Ok(Node::new(Op::SetTake { input: a.clone(), axis, index, value }, a.shape.clone(), a.dtype, span))
        }
        Some(Advanced::Mask { mask }) => {
            let count = mask_count(&mask, span, count_true)?;
            let mut region = vec![count];
            region.extend_from_slice(&a.shape[mask.ndim()..]);
            let value = region_shape(&region)?;
            Ok(Node::new(Op::SetMask { input: a.clone(), mask, value }, a.shape.clone(), a.dtype, span))
        }
    }
}
