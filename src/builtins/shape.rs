//! Shape and layout functions (spec section 7.5).

use super::convert::{self, array, int_value, opt_int, Result as R};
use super::{Args, CallCtx, Registry};
use crate::diag::{Code, Diag};
use crate::exec::count_true;
use crate::graph::build::{self, shape_error};
use crate::graph::index::{index, IndexArg};
use ndarray::IxDyn;

use crate::graph::{Array, DType, Elem, Nd, Node, Op};
use crate::interp::{arrays, Result, Value};
use crate::syntax::Span;
use crate::with_dtype;

pub fn register(r: &mut Registry) {
    r.function("reshape(a, *shape)", "`a` with a new shape of the same size; one dimension may be -1.", reshape);
    r.function("ravel(a)", "`a` as a 1-D array, in C order.", ravel);
    r.function("flatten(a)", "`a` as a 1-D array, in C order (same as `ravel`).", ravel);
    r.function("transpose(a, axes=none)", "`a` with its axes reversed, or permuted as `axes` says.", transpose);
    r.function("swapaxes(a, i, j)", "`a` with axes `i` and `j` exchanged.", swapaxes);
    r.function("expand_dims(a, axis)", "`a` with a length-1 axis inserted at `axis`.", expand_dims);
    r.function("squeeze(a, axis=none)", "`a` without its length-1 axes (or only `axis`).", squeeze);
    r.function("concatenate(arrays, axis=0)", "The arrays of a tuple joined along an existing axis.", concatenate);
    r.function("stack(arrays, axis=0)", "The arrays of a tuple joined along a new axis.", stack);
    r.function("hstack(arrays)", "Arrays joined column-wise (along axis 1; axis 0 for 1-D arrays).", hstack);
    r.function("vstack(arrays)", "Arrays joined row-wise (1-D arrays become rows).", vstack);
    r.function("split(a, n, axis=0)", "`a` cut into `n` equal parts along `axis`; returns a tuple.", split);
    r.function("tile(a, reps)", "`a` repeated `reps` times (an int or a tuple per axis).", tile);
    r.function("repeat(a, n, axis=none)", "Each element repeated `n` times (along `axis`, or flattened).", repeat);
    r.function("roll(a, shift, axis=none)", "Elements shifted by `shift` positions, wrapping around.", roll);
    r.function("flip(a, axis=none)", "`a` reversed along `axis` (all axes when none).", flip);
    r.function(
        "pad(a, width, mode=\"constant\", value=0)",
        "`a` padded by `width` elements on both sides of every axis; modes \"constant\", \"edge\", \"wrap\".",
        pad,
    );
    r.function("broadcast_to(a, shape)", "`a` broadcast to `shape`.", broadcast_to);
    r.function("shape(a)", "The shape of `a` as a tuple.", shape_fn);
    r.function("ndim(a)", "The number of dimensions of `a`.", ndim);
    r.function("size(a)", "The number of elements of `a`.", size);
    r.function(
        "diag(v, k=0)",
        "A 1-D `v` as the `k`-th diagonal of a 2-D array; a 2-D `v`'s `k`-th diagonal as 1-D.",
        diag,
    );
    r.function("triu(a, k=0)", "`a` with the elements below the `k`-th diagonal set to zero.", triu);
    r.function("tril(a, k=0)", "`a` with the elements above the `k`-th diagonal set to zero.", tril);
    r.function(
        "meshgrid(x, y, indexing=\"xy\")",
        "Coordinate matrices from two 1-D arrays, as a tuple; `indexing=\"ij\"` for matrix indexing.",
        meshgrid,
    );
}

fn finish(node: Array) -> Result<Value> {
    Ok(arrays::finish(node)?)
}

fn ints(values: &[(Value, Span)]) -> R<Vec<i64>> {
    let flat: Vec<(Value, Span)> = match values {
        [(Value::Tuple(t), span)] => t.iter().map(|v| (v.clone(), *span)).collect(),
        other => other.to_vec(),
    };
    flat.iter().map(|(v, s)| int_value(v, *s, "a dimension")).collect()
}

fn reshape(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    let dims = ints(&args.rest)?;
    finish(build::reshape(&a, &dims, args.call_span)?)
}

fn ravel(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    finish(build::reshape(&a, &[-1], args.call_span)?)
}

fn transpose(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    let span = args.span(1);
    let perm = match args.take(1) {
        None | Some(Value::None) => (0..a.ndim()).rev().collect(),
        Some(v) => {
            let axes = ints(&[(v, span)])?;
            let perm = axes.iter().map(|&x| convert::one_axis(x, a.ndim(), span)).collect::<R<Vec<_>>>()?;
            let mut sorted = perm.clone();
            sorted.sort_unstable();
            if sorted != (0..a.ndim()).collect::<Vec<_>>() {
                return Err(Diag::new(
                    Code::Value,
                    span,
                    "`axes` must be a permutation of the array's axes",
                    "not a permutation",
                )
                .into());
            }
            perm
        }
    };
    finish(build::transpose(&a, perm, args.call_span))
}

fn swapaxes(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    let (si, sj) = (args.span(1), args.span(2));
    let i = convert::one_axis(opt_int(&mut args, 1, "i")?.expect("required"), a.ndim(), si)?;
    let j = convert::one_axis(opt_int(&mut args, 2, "j")?.expect("required"), a.ndim(), sj)?;
    let mut perm: Vec<usize> = (0..a.ndim()).collect();
    perm.swap(i, j);
    finish(build::transpose(&a, perm, args.call_span))
}

fn expand_dims(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    let span = args.span(1);
    let axis = convert::one_axis(opt_int(&mut args, 1, "axis")?.expect("required"), a.ndim() + 1, span)?;
    let mut dims: Vec<i64> = a.shape.iter().map(|&d| d as i64).collect();
    dims.insert(axis, 1);
    finish(build::reshape(&a, &dims, args.call_span)?)
}

fn squeeze(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    let span = args.span(1);
    let axes = convert::axes(&mut args, 1, a.ndim())?;
    if let Some(axes) = &axes {
        if let Some(&bad) = axes.iter().find(|&&ax| a.shape[ax] != 1) {
            return Err(Diag::new(
                Code::Value,
                span,
                format!("axis {bad} has length {}, not 1", a.shape[bad]),
                "cannot squeeze",
            )
            .into());
        }
    }
    let dims: Vec<i64> = a
        .shape
        .iter()
        .enumerate()
        .filter(|(i, &d)| !(d == 1 && axes.as_ref().is_none_or(|ax| ax.contains(i))))
        .map(|(_, &d)| d as i64)
        .collect();
    finish(build::reshape(&a, &dims, args.call_span)?)
}

/// The arrays of a tuple argument, cast to their common dtype.
fn array_list(args: &mut Args, i: usize) -> R<Vec<Array>> {
    let span = args.span(i);
    let items = match args.take(i).expect("required") {
        Value::Tuple(t) => t.iter().map(|v| arrays::to_array(v, span)).collect::<R<Vec<_>>>()?,
        Value::Array(a) if a.ndim() > 0 => (0..a.shape[0])
            .map(|k| index(&a, &[(IndexArg::Int(k as i64), span)], span, &count_true))
            .collect::<R<Vec<_>>>()?,
        other => {
            return Err(Diag::new(
                Code::Type,
                span,
                format!("expected a tuple of arrays, not {}", other.described()),
                "not a tuple",
            ))
        }
    };
    if items.is_empty() {
        return Err(Diag::new(Code::Value, span, "need at least one array", "empty"));
    }
    let dtype = items.iter().map(|a| a.dtype).reduce(DType::promote).expect("non-empty");
    Ok(items.iter().map(|a| build::cast(a, dtype, span)).collect())
}

pub fn concat(items: Vec<Array>, axis: usize, span: Span) -> R<Array> {
    let Some(first) = items.first() else {
        return Err(Diag::new(Code::Value, span, "need at least one array to concatenate", "nothing to join"));
    };
    if first.ndim() == 0 {
        return Err(Diag::new(Code::Shape, span, "zero-dimensional arrays cannot be concatenated", "0-d"));
    }
    for item in &items[1..] {
        let fits = item.ndim() == first.ndim()
            && item.shape.iter().zip(&first.shape).enumerate().all(|(i, (x, y))| i == axis || x == y);
        if !fits {
            return Err(shape_error(span, &format!("cannot concatenate along axis {axis}"), &first.shape, &item.shape));
        }
    }
    let mut shape = first.shape.clone();
    shape[axis] = items.iter().map(|a| a.shape[axis]).sum();
    let dtype = first.dtype;
    Ok(Node::new(Op::Concat { inputs: items, axis }, shape, dtype, span))
}

fn concatenate(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let items = array_list(&mut args, 0)?;
    let span = args.span(1);
    let ndim = items[0].ndim();
    let axis = convert::one_axis(opt_int(&mut args, 1, "axis")?.unwrap_or(0), ndim, span)?;
    finish(concat(items, axis, args.call_span)?)
}

fn stack_items(items: Vec<Array>, axis: i64, axis_span: Span, span: Span) -> R<Array> {
    let ndim = items[0].ndim();
    let axis = convert::one_axis(axis, ndim + 1, axis_span)?;
    if let Some(odd) = items.iter().find(|a| a.shape != items[0].shape) {
        return Err(shape_error(span, "all arrays to stack must have the same shape", &items[0].shape, &odd.shape));
    }
    let expanded = items
        .iter()
        .map(|a| {
            let mut dims: Vec<i64> = a.shape.iter().map(|&d| d as i64).collect();
            dims.insert(axis, 1);
            build::reshape(a, &dims, span)
        })
        .collect::<R<Vec<_>>>()?;
    concat(expanded, axis, span)
}

fn stack(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let items = array_list(&mut args, 0)?;
    let span = args.span(1);
    let axis = opt_int(&mut args, 1, "axis")?.unwrap_or(0);
    finish(stack_items(items, axis, span, args.call_span)?)
}

fn hstack(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let items = array_list(&mut args, 0)?;
    let axis = if items[0].ndim() == 1 { 0 } else { 1 };
    finish(concat(items, axis, args.call_span)?)
}

fn vstack(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let span = args.call_span;
    let items = array_list(&mut args, 0)?
        .into_iter()
        .map(|a| if a.ndim() == 1 { build::reshape(&a, &[1, a.shape[0] as i64], span) } else { Ok(a) })
        .collect::<R<Vec<_>>>()?;
    finish(concat(items, 0, span)?)
}

/// `a[start:stop]` along `axis`.
fn slice_along(a: &Array, axis: usize, start: i64, stop: i64, span: Span) -> R<Array> {
    let mut args: Vec<(IndexArg, Span)> = (0..a.ndim()).map(|_| (IndexArg::Slice(None, None, None), span)).collect();
    args[axis].0 = IndexArg::Slice(Some(start), Some(stop), None);
    index(a, &args, span, &count_true)
}

fn split(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    let n_span = args.span(1);
    let n = opt_int(&mut args, 1, "n")?.expect("required");
    let axis_span = args.span(2);
    let axis = convert::one_axis(opt_int(&mut args, 2, "axis")?.unwrap_or(0), a.ndim(), axis_span)?;
    let len = a.shape[axis] as i64;
    if n <= 0 || len % n != 0 {
        return Err(Diag::new(
            Code::Value,
            n_span,
            format!("an axis of length {len} does not split into {n} equal parts"),
            "unequal parts",
        )
        .into());
    }
    let part = len / n;
    let parts = (0..n)
        .map(|k| Ok(Value::Array(slice_along(&a, axis, k * part, (k + 1) * part, args.call_span)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(arrays::rc_tuple(parts))
}

fn tile(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    let span = args.span(1);
    let reps = ints(&[(args.take(1).expect("required"), span)])?;
    if reps.iter().any(|&r| r < 0) {
        return Err(Diag::new(Code::Value, span, "`reps` must not be negative", "negative").into());
    }
    let call = args.call_span;
    let ndim = a.ndim().max(reps.len());
    let mut dims: Vec<i64> = vec![1; ndim - a.ndim()];
    dims.extend(a.shape.iter().map(|&d| d as i64));
    let mut out = build::reshape(&a, &dims, call)?;
    let mut full_reps = vec![1i64; ndim - reps.len()];
    full_reps.extend(reps);
    for (axis, &r) in full_reps.iter().enumerate() {
        if r == 0 {
            out = slice_along(&out, axis, 0, 0, call)?;
        } else if r != 1 {
            crate::exec::ensure_fits(out.size().saturating_mul(r as usize), out.dtype.size_bytes(), call)?;
            out = concat(vec![out.clone(); r as usize], axis, call)?;
        }
    }
    finish(out)
}

fn repeat(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    let n_span = args.span(1);
    let n = opt_int(&mut args, 1, "n")?.expect("required");
    if n < 0 {
        return Err(Diag::new(Code::Value, n_span, "`n` must not be negative", "negative").into());
    }
    let call = args.call_span;
    let axis_span = args.span(2);
    let (a, axis) = match opt_int(&mut args, 2, "axis")? {
        None => (build::reshape(&a, &[-1], call)?, 0),
        Some(ax) => {
            let axis = convert::one_axis(ax, a.ndim(), axis_span)?;
            (a, axis)
        }
    };
    // Gather each position `n` times: index i // n.
    let len = a.shape[axis] as i64;
    crate::exec::ensure_fits((len as usize).saturating_mul(n as usize), 24, call)?;
    let positions: Vec<Value> = (0..len * n).map(|i| Value::Int(i / n.max(1))).collect();
    let idx = arrays::to_array(&arrays::rc_tuple(positions), call)?;
    let idx = if idx.size() == 0 { build::cast(&idx, DType::Int64, call) } else { idx };
    let mut args_ix: Vec<(IndexArg, Span)> = (0..a.ndim()).map(|_| (IndexArg::Slice(None, None, None), call)).collect();
    args_ix[axis].0 = IndexArg::Array(idx);
    finish(index(&a, &args_ix, call, &count_true)?)
}

fn roll(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    let shift = opt_int(&mut args, 1, "shift")?.expect("required");
    let call = args.call_span;
    let axis_span = args.span(2);
    match opt_int(&mut args, 2, "axis")? {
        None => {
            let flat = build::reshape(&a, &[-1], call)?;
            let rolled = roll_axis(&flat, 0, shift, call)?;
            let dims: Vec<i64> = a.shape.iter().map(|&d| d as i64).collect();
            finish(build::reshape(&rolled, &dims, call)?)
        }
        Some(ax) => {
            let axis = convert::one_axis(ax, a.ndim(), axis_span)?;
            finish(roll_axis(&a, axis, shift, call)?)
        }
    }
}

fn roll_axis(a: &Array, axis: usize, shift: i64, span: Span) -> R<Array> {
    let len = a.shape[axis] as i64;
    if len == 0 {
        return Ok(a.clone());
    }
    let k = shift.rem_euclid(len);
    if k == 0 {
        return Ok(a.clone());
    }
    let tail = slice_along(a, axis, len - k, len, span)?;
    let head = slice_along(a, axis, 0, len - k, span)?;
    concat(vec![tail, head], axis, span)
}

fn flip(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    let axes = convert::axes(&mut args, 1, a.ndim())?.unwrap_or_else(|| (0..a.ndim()).collect());
    let span = args.call_span;
    let ix: Vec<(IndexArg, Span)> = (0..a.ndim())
        .map(|i| {
            (
                if axes.contains(&i) {
                    IndexArg::Slice(None, None, Some(-1))
                } else {
                    IndexArg::Slice(None, None, None)
                },
                span,
            )
        })
        .collect();
    finish(index(&a, &ix, span, &count_true)?)
}

fn pad(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    let width_span = args.span(1);
    let width = opt_int(&mut args, 1, "width")?.expect("required");
    if width < 0 {
        return Err(Diag::new(Code::Value, width_span, "`width` must not be negative", "negative").into());
    }
    let mode_span = args.span(2);
    let mode = convert::opt_str(&mut args, 2, "constant")?;
    let value_span = args.span(3);
    let value = args.take(3).unwrap_or(Value::Int(0));
    let span = args.call_span;
    let mut out = a;
    for axis in 0..out.ndim() {
        let len = out.shape[axis] as i64;
        let (before, after) = match mode.as_str() {
            "constant" => {
                let mut shape = out.shape.clone();
                shape[axis] = width as usize;
                let fill = arrays::to_array(&value, value_span)?;
                let fill = build::cast(&fill, out.dtype, span);
                let block = build::broadcast_to(&fill, shape, span)?;
                (block.clone(), block)
            }
            "edge" if len > 0 => {
                let first = slice_along(&out, axis, 0, 1, span)?;
                let last = slice_along(&out, axis, len - 1, len, span)?;
                let mut shape = out.shape.clone();
                shape[axis] = width as usize;
                (build::broadcast_to(&first, shape.clone(), span)?, build::broadcast_to(&last, shape, span)?)
            }
            "wrap" if len > 0 => {
                let reps = (width + len - 1) / len + 1;
                let tiled = concat(vec![out.clone(); reps as usize], axis, span)?;
                let total = len * reps;
                (slice_along(&tiled, axis, total - width, total, span)?, slice_along(&tiled, axis, 0, width, span)?)
            }
            "edge" | "wrap" => {
                return Err(Diag::new(Code::Value, span, "cannot pad an empty axis in this mode", "empty").into())
            }
            other => {
                return Err(Diag::new(Code::Value, mode_span, format!("unknown pad mode {other:?}"), "unknown mode")
                    .with_help("the modes are \"constant\", \"edge\" and \"wrap\"")
                    .into())
            }
        };
        out = concat(vec![before, out, after], axis, span)?;
    }
    finish(out)
}

fn broadcast_to(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    let shape = convert::shape_arg(&mut args, 1)?;
    finish(build::broadcast_to(&a, shape, args.call_span)?)
}

fn shape_fn(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    Ok(arrays::rc_tuple(a.shape.iter().map(|&d| Value::Int(d as i64)).collect()))
}

fn ndim(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    Ok(Value::Int(array(&mut args, 0)?.ndim() as i64))
}

fn size(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    Ok(Value::Int(array(&mut args, 0)?.size() as i64))
}

fn diag(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let v = array(&mut args, 0)?;
    let k = opt_int(&mut args, 1, "k")?.unwrap_or(0);
    let span = args.call_span;
    match v.ndim() {
        1 => {
            let data = arrays::force(&v, args.span(0))?;
            let n = v.shape[0] + k.unsigned_abs() as usize;
            let out = with_dtype!(data.dtype(), T => {
                let values = T::cast_from(&data);
                let mut m = Nd::<T>::from_elem(IxDyn(&[n, n]), T::default()).into_owned();
                for (i, &x) in values.iter().enumerate() {
                    let (r, c) = if k >= 0 { (i, i + k as usize) } else { (i + k.unsigned_abs() as usize, i) };
                    m[[r, c]] = x;
                }
                T::wrap(m.into_shared())
            });
            Ok(Value::Array(Node::from_data(out, span)))
        }
        2 => {
            let (rows, cols) = (v.shape[0] as i64, v.shape[1] as i64);
            let (r0, c0) = if k >= 0 { (0, k) } else { (-k, 0) };
            let count = (rows - r0).min(cols - c0).max(0);
            let positions = (0..count).map(|i| Value::Int((r0 + i) * cols + c0 + i)).collect();
            let flat = build::reshape(&v, &[-1], span)?;
            let idx = arrays::to_array(&arrays::rc_tuple(positions), span)?;
            let idx = build::cast(&idx, DType::Int64, span);
            finish(index(&flat, &[(IndexArg::Array(idx), span)], span, &count_true)?)
        }
        _ => Err(Diag::new(Code::Value, span, "`diag` needs a 1-D or 2-D array", format!("{}-D", v.ndim())).into()),
    }
}

fn triangle(args: &mut Args, below: bool) -> Result<Value> {
    let a = array(args, 0)?;
    let k = opt_int(args, 1, "k")?.unwrap_or(0);
    let span = args.call_span;
    if a.ndim() < 2 {
        return Err(
            Diag::new(Code::Value, span, "needs an array of at least 2 dimensions", "too few dimensions").into()
        );
    }
    let (rows, cols) = (a.shape[a.ndim() - 2], a.shape[a.ndim() - 1]);
    let mask = super::creation::triangle_mask(rows, cols, k, below, span)?;
    let zero = crate::graph::build::Operand::Scalar(crate::graph::Scalar::Int(0));
    let kept = build::where_(
        crate::graph::build::Operand::Array(mask),
        crate::graph::build::Operand::Array(a.clone()),
        zero,
        span,
    )?;
    finish(build::cast(&kept, a.dtype, span))
}

fn triu(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    // Keep col - row >= k.
    triangle(&mut args, false)
}

fn tril(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    triangle(&mut args, true)
}

fn meshgrid(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let x = build::reshape(&array(&mut args, 0)?, &[-1], args.call_span)?;
    let y = build::reshape(&array(&mut args, 1)?, &[-1], args.call_span)?;
    let idx_span = args.span(2);
    let indexing = convert::opt_str(&mut args, 2, "xy")?;
    let span = args.call_span;
    let (nx, ny) = (x.shape[0], y.shape[0]);
    let (shape, xs, ys) = match indexing.as_str() {
        "xy" => (vec![ny, nx], vec![1, nx as i64], vec![ny as i64, 1]),
        "ij" => (vec![nx, ny], vec![nx as i64, 1], vec![1, ny as i64]),
        other => {
            return Err(Diag::new(
                Code::Value,
                idx_span,
                format!("`indexing` must be \"xy\" or \"ij\", not {other:?}"),
                "bad value",
            )
            .into())
        }
    };
    let gx = build::broadcast_to(&build::reshape(&x, &xs, span)?, shape.clone(), span)?;
    let gy = build::broadcast_to(&build::reshape(&y, &ys, span)?, shape, span)?;
    Ok(arrays::rc_tuple(vec![Value::Array(gx), Value::Array(gy)]))
}
