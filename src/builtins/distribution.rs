//! Distribution over the ranks of an MPI job (spec section 10): `rank`, `nranks`,
//! `dist`, `redistribute`, and the `dist=`/`block=`/`grid=` arguments that creation
//! functions share.

use super::convert::array;
use super::{Args, CallCtx, Registry};
use crate::diag::{Code, Diag};
use crate::dist::Layout;
use crate::graph::{Array, Node, Op};
use crate::interp::{Result, Value};
use crate::syntax::Span;

pub fn register(r: &mut Registry) {
    r.function("rank()", "This process's rank in the MPI job: 0 when running as one process.", rank);
    r.function("nranks()", "The number of ranks in the MPI job: 1 when running as one process.", nranks);
    r.function(
        "dist(a)",
        "How `a` is placed over the ranks, as a string: per axis, in the style of the Distributed Array Protocol's \
         `dim_data`, the distribution type (`b`, `c`, `bc`, `n`), the axis length, the process grid's extent, \
         this rank's grid coordinate and the indices it holds.",
        dist,
    );
    r.function(
        "redistribute(a, dist, block=none, grid=none)",
        "`a` placed over the ranks as `dist=` says (one code per axis: \"b\" block, \"c\" cyclic, \"bc\" \
         block-cyclic with `block=`, \"n\" not distributed), on the process grid `grid=` (by default the ranks \
         factored as evenly as possible). The values are unchanged.",
        redistribute,
    );
}

fn rank(_: &mut CallCtx, _: Args) -> Result<Value> {
    Ok(Value::Int(crate::dist::rank() as i64))
}

fn nranks(_: &mut CallCtx, _: Args) -> Result<Value> {
    Ok(Value::Int(crate::dist::nranks() as i64))
}

fn dist(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    Ok(Value::Str(a.layout.describe(&a.shape, crate::dist::rank()).into()))
}

fn redistribute(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    let placed = place(&mut args, 1, a)?;
    Ok(Value::Array(placed))
}

/// `node` placed as the `dist=`, `block=` and `grid=` arguments at `first`,
/// `first + 1` and `first + 2` ask (unchanged when `dist=` is absent).
pub fn place(args: &mut Args, first: usize, node: Array) -> Result<Array> {
    let Some(layout) = layout_arg(args, first, node.ndim())? else { return Ok(node) };
    if layout == *node.layout {
        return Ok(node);
    }
    let (shape, dtype, span) = (node.shape.clone(), node.dtype, args.call_span);
    Ok(Node::with_layout(Op::Redistribute(node), shape, dtype, layout, span))
}

fn layout_arg(args: &mut Args, first: usize, ndim: usize) -> Result<Option<Layout>> {
    let dist_span = args.span(first);
    let Some(codes) = args.take(first) else {
        for (i, name) in [(first + 1, "block="), (first + 2, "grid=")] {
            if args.take(i).is_some() {
                return Err(dist_error(args.span(i), format!("{name} needs dist= too")).into());
            }
        }
        return Ok(None);
    };
    let codes = match &codes {
        Value::Str(s) => vec![s.to_string()],
        Value::Tuple(items) => items
            .iter()
            .map(|v| match v {
                Value::Str(s) => Ok(s.to_string()),
                other => Err(type_error(dist_span, "each distribution code must be a string", other)),
            })
            .collect::<std::result::Result<_, _>>()?,
        other => return Err(type_error(dist_span, "dist= takes a code or a tuple of codes", other).into()),
    };
    let block_span = args.span(first + 1);
    let block = match args.take(first + 1) {
        None | Some(Value::None) => None,
        Some(Value::Int(b)) => Some(
            usize::try_from(b).map_err(|_| dist_error(block_span, format!("block= must be at least 1, not {b}")))?,
        ),
        Some(other) => return Err(type_error(block_span, "block= takes an int", &other).into()),
    };
    let grid_span = args.span(first + 2);
    let grid = match args.take(first + 2) {
        None | Some(Value::None) => None,
        Some(Value::Tuple(items)) => Some(
            items
                .iter()
                .map(|v| match v {
                    Value::Int(n) if *n >= 0 => Ok(*n as usize),
                    other => Err(type_error(grid_span, "grid= takes a tuple of ints", other)),
                })
                .collect::<std::result::Result<Vec<_>, _>>()?,
        ),
        Some(Value::Int(n)) if n >= 0 => Some(vec![n as usize]),
        Some(other) => return Err(type_error(grid_span, "grid= takes a tuple of ints", &other).into()),
    };
    Layout::from_codes(&codes, block, grid.as_deref(), ndim, crate::dist::nranks())
        .map(Some)
        .map_err(|message| dist_error(dist_span, message).into())
}

fn dist_error(span: Span, message: String) -> Diag {
    Diag::new(Code::Dist, span, message, "this distribution").with_help(
        "dist= takes one code per axis: \"b\" block, \"c\" cyclic, \"bc\" block-cyclic (with block=), \"n\" not distributed",
    )
}

fn type_error(span: Span, what: &str, v: &Value) -> Diag {
    Diag::new(Code::Type, span, format!("{what}, not {}", v.described()), format!("this is {}", v.described()))
}
