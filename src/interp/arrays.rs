//! Where the evaluator meets the array graph: converting values to operands,
//! building nodes for operators and literals, and observing (computing) arrays.

use std::rc::Rc;

use ndarray::{Axis, IxDyn};

use super::arrayprint;
use super::value::Value;
use crate::diag::{Code, Diag};
use crate::exec;
use crate::graph::build::{self, Operand};
use crate::graph::{Array, ArrayData, BinaryFn, DType, Elem, Nd, Node, Scalar, UnaryFn};
use crate::syntax::ast::{BinaryOp, CompareOp, UnaryOp};
use crate::syntax::Span;
use crate::with_dtype;

/// Graphs deeper than this are computed as they are built (a loop that updates an
/// array a million times must not build a million-deep graph).
const MAX_PENDING_DEPTH: u32 = 48;

/// A pending value of at least this many elements is computed as it is built
/// when its graph alone holds computed arrays of more than `MAX_PINNED_MULTIPLE`
/// times its number of elements (`graph::pins`); smaller values cannot pin
/// much. Elements, not bytes: a boolean mask over two float arrays pins 16
/// times its bytes but only twice its elements, and computing it apart from the
/// step that reads it would cost more than the memory saves.
const PIN_CHECK_ELEMENTS: usize = 1 << 16;
const MAX_PINNED_MULTIPLE: usize = 4;

type Result<T> = std::result::Result<T, Diag>;

/// Computes `a`; an error found while computing gets a second label where the value
/// was needed.
pub fn force(a: &Array, observed_at: Span) -> Result<ArrayData> {
    exec::evaluate(a).map_err(|d| needed_at(d, observed_at))
}

/// `force` for output (printing, text and image files): under MPI a split value
/// is gathered, and counted as output.
pub fn force_for_output(a: &Array, observed_at: Span) -> Result<ArrayData> {
    exec::evaluate_for_output(a).map_err(|d| needed_at(d, observed_at))
}

/// `d`, with a second label where the value was needed unless it points there.
fn needed_at(d: Diag, observed_at: Span) -> Diag {
    if d.primary_span() == Some(observed_at) {
        d
    } else {
        d.with_label(observed_at, "needed here")
    }
}

/// Computes every array inside `v` (for printing and formatting). Under MPI a
/// large array split by rows is not joined: it prints summarized, so only the
/// rows and elements shown are gathered (`printed_edges` then has them).
pub fn observe(v: &Value, span: Span) -> Result<()> {
    match v {
        Value::Array(a) => {
            if crate::dist::nranks() > 1 && arrayprint::summarizes(&a.shape) {
                compute(v, span)?;
                let rows = arrayprint::edge_positions(a.shape.first().copied().unwrap_or(0));
                if let Some(edges) = exec::gather_rows(a, &rows, |rows| arrayprint::edges_along(rows, 1)) {
                    PRINTED_EDGES.with(|kept| {
                        let mut kept = kept.borrow_mut();
                        // Arrays gone, and this one printed before (a loop printing
                        // the same array keeps one entry).
                        kept.retain(|(node, _)| node.strong_count() > 0 && !std::ptr::eq(node.as_ptr(), Rc::as_ptr(a)));
                        kept.push((Rc::downgrade(a), edges));
                    });
                    return Ok(());
                }
            }
            force_for_output(a, span).map(|_| ())
        }
        Value::Tuple(items) => items.iter().try_for_each(|x| observe(x, span)),
        _ => Ok(()),
    }
}

thread_local! {
    /// The edges of split arrays `observe` gathered for printing. Weak, so an
    /// array's memory goes when the program drops it (and its address cannot be
    /// reused while listed).
    static PRINTED_EDGES: std::cell::RefCell<Vec<(std::rc::Weak<crate::graph::node::Node>, ArrayData)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The edges `observe` gathered to print the split array `a`, if it did.
pub fn printed_edges(a: &Array) -> Option<ArrayData> {
    PRINTED_EDGES.with(|kept| {
        kept.borrow()
            .iter()
            .find(|(node, _)| std::ptr::eq(node.as_ptr(), Rc::as_ptr(a)))
            .map(|(_, edges)| edges.clone())
    })
}

/// Computes every array inside `v` now (`eval`), leaving values split over MPI
/// ranks split.
pub fn compute(v: &Value, span: Span) -> Result<()> {
    match v {
        Value::Array(a) => exec::force(a).map_err(|d| needed_at(d, span)),
        Value::Tuple(items) => items.iter().try_for_each(|x| compute(x, span)),
        _ => Ok(()),
    }
}

/// Wraps a new node as a value, computing its deep inputs now if its graph is deep
/// (the node itself stays pending, so that a cheap operation such as a view is
/// not computed on its own, and is fused with what reads it).
pub fn finish(node: Array) -> Result<Value> {
    if node.depth() > MAX_PENDING_DEPTH {
        for input in node.inputs().iter().filter(|i| i.depth() + 1 >= node.depth()) {
            exec::force(input)?;
        }
        node.shorten();
        if node.depth() > MAX_PENDING_DEPTH {
            exec::force(&node)?;
        }
    }
    if node.size() >= PIN_CHECK_ELEMENTS
        && !node.is_computed()
        && crate::graph::pins::elements_held_only_by(&node) > MAX_PINNED_MULTIPLE * node.size()
    {
        exec::force(&node)?;
    }
    Ok(Value::Array(node))
}

pub fn scalar_of(v: &Value) -> Option<Scalar> {
    match v {
        Value::Bool(b) => Some(Scalar::Bool(*b)),
        Value::Int(i) => Some(Scalar::Int(*i)),
        Value::Float(f) => Some(Scalar::Float(*f)),
        _ => None,
    }
}

/// An element as a plain scalar value.
pub fn scalar_value(s: Scalar) -> Value {
    match s {
        Scalar::Bool(b) => Value::Bool(b),
        Scalar::Int(i) => Value::Int(i),
        Scalar::Float(f) => Value::Float(f),
    }
}

pub fn operand(v: &Value) -> Option<Operand> {
    match v {
        Value::Array(a) => Some(Operand::Array(a.clone())),
        other => scalar_of(other).map(Operand::Scalar),
    }
}

fn binary_fn(op: BinaryOp) -> Option<BinaryFn> {
    Some(match op {
        BinaryOp::Add => BinaryFn::Add,
        BinaryOp::Sub => BinaryFn::Sub,
        BinaryOp::Mul => BinaryFn::Mul,
        BinaryOp::Div => BinaryFn::Div,
        BinaryOp::FloorDiv => BinaryFn::FloorDiv,
        BinaryOp::Mod => BinaryFn::Mod,
        BinaryOp::Pow => BinaryFn::Pow,
        BinaryOp::BitAnd => BinaryFn::BitAnd,
        BinaryOp::BitOr => BinaryFn::BitOr,
        BinaryOp::BitXor => BinaryFn::BitXor,
        BinaryOp::MatMul => return None,
    })
}

pub fn compare_fn(op: CompareOp) -> BinaryFn {
    match op {
        CompareOp::Eq => BinaryFn::Eq,
        CompareOp::Ne => BinaryFn::Ne,
        CompareOp::Lt => BinaryFn::Lt,
        CompareOp::Le => BinaryFn::Le,
        CompareOp::Gt => BinaryFn::Gt,
        CompareOp::Ge => BinaryFn::Ge,
    }
}

/// `l op r` where at least one side is an array.
pub fn binary(op: BinaryOp, l: &Value, r: &Value, op_span: Span, l_span: Span, r_span: Span) -> Result<Value> {
    let Some(f) = binary_fn(op) else {
        let (a, b) = (to_array(l, l_span)?, to_array(r, r_span)?);
        return finish(build::matmul(&a, &b, op_span)?);
    };
    elementwise(f, op.symbol(), l, r, op_span, l_span, r_span)
}

pub fn elementwise(
    f: BinaryFn,
    symbol: &str,
    l: &Value,
    r: &Value,
    op_span: Span,
    l_span: Span,
    r_span: Span,
) -> Result<Value> {
    let (Some(a), Some(b)) = (operand(l), operand(r)) else {
        return Err(super::ops::operand_error(symbol, l, r, op_span, l_span, r_span));
    };
    finish(build::binary(f, a, b, op_span)?)
}

pub fn unary(op: UnaryOp, a: &Array, span: Span) -> Result<Value> {
    match op {
        UnaryOp::Pos => Ok(Value::Array(a.clone())),
        UnaryOp::Neg => finish(build::unary(UnaryFn::Neg, a, span)?),
        UnaryOp::BitNot => finish(build::unary(UnaryFn::BitNot, a, span)?),
    }
}

/// The truth value of an array: only a one-element array has one.
pub fn truthy(a: &Array, span: Span) -> Result<bool> {
    if a.size() != 1 {
        return Err(Diag::new(
            Code::Type,
            span,
            format!("the truth value of an array with {} elements is ambiguous", a.size()),
            format!("an array of shape {}", crate::graph::shape::show(&a.shape)),
        )
        .with_help("use `any(...)` or `all(...)` to reduce it to one bool"));
    }
    Ok(force(a, span)?.first().expect("one element").to_bool())
}

/// The data type a literal's scalars give: bool, then int64, then float64.
fn literal_dtype(s: Scalar) -> DType {
    match s {
        Scalar::Bool(_) => DType::Bool,
        Scalar::Int(_) => DType::Int64,
        Scalar::Float(_) => DType::Float64,
    }
}

/// The array a literal or `array(x)` denotes: scalars, tuples and arrays, nested.
pub fn to_data(v: &Value, span: Span) -> Result<ArrayData> {
    match v {
        Value::Array(a) => force(a, span),
        Value::Tuple(items) => stack(&items.iter().map(|x| (x.clone(), span)).collect::<Vec<_>>(), span),
        other => match scalar_of(other) {
            Some(s) => Ok(ArrayData::scalar(s, literal_dtype(s))),
            None => Err(Diag::new(
                Code::Type,
                span,
                format!("cannot make an array from {}", other.described()),
                format!("this is {}", other.described()),
            )),
        },
    }
}

/// Stacks equally shaped items along a new first axis (an array literal).
pub fn stack(items: &[(Value, Span)], span: Span) -> Result<ArrayData> {
    let parts = items.iter().map(|(v, s)| to_data(v, *s)).collect::<Result<Vec<_>>>()?;
    let Some(first) = parts.first() else {
        return Ok(ArrayData::F64(Nd::from_shape_vec(IxDyn(&[0]), Vec::new()).expect("empty")));
    };
    if let Some((i, odd)) = parts.iter().enumerate().find(|(_, p)| p.shape() != first.shape()) {
        return Err(Diag::new(
            Code::Value,
            items[i].1,
            format!(
                "ragged array literal: items have shapes {} and {}",
                crate::graph::shape::show(first.shape()),
                crate::graph::shape::show(odd.shape())
            ),
            "this item has a different shape",
        )
        .with_label(span, "in this literal"));
    }
    let dtype = parts.iter().map(|p| p.dtype()).reduce(DType::promote).expect("non-empty");
    Ok(with_dtype!(dtype, T => {
        let casted: Vec<Nd<T>> = parts.iter().map(T::cast_from).collect();
        let views: Vec<_> = casted.iter().map(|c| c.view()).collect();
        T::wrap(ndarray::stack(Axis(0), &views).expect("equal shapes").into_shared())
    }))
}

/// A node holding a literal's data.
pub fn literal(items: &[(Value, Span)], span: Span) -> Result<Value> {
    Ok(Value::Array(Node::from_data(stack(items, span)?, span)))
}

/// An array from any array-like value (scalars become 0-d arrays).
pub fn to_array(v: &Value, span: Span) -> Result<Array> {
    match v {
        Value::Array(a) => Ok(a.clone()),
        other => Ok(Node::from_data(to_data(other, span)?, span)),
    }
}

pub fn dtype_value(v: &Value, span: Span) -> Result<DType> {
    match v {
        Value::DType(d) => Ok(*d),
        // `bool`, `int` and `float` name conversion functions and dtypes alike.
        Value::Builtin(b) if DType::parse(b.name).is_some() => Ok(DType::parse(b.name).expect("checked")),
        Value::Str(s) => DType::parse(s).ok_or_else(|| {
            Diag::new(Code::Value, span, format!("unknown dtype {:?}", s.as_ref()), "not a dtype")
                .with_help("the dtypes are bool, int32, int64, float32, float64 (aliases i32 i64 f32 f64)")
        }),
        other => Err(Diag::new(
            Code::Type,
            span,
            format!("expected a dtype, not {}", other.described()),
            format!("this is {}", other.described()),
        )),
    }
}

/// The value of a computed 0-d or one-element array as a plain scalar.
pub fn item(a: &Array, span: Span) -> Result<Value> {
    Ok(scalar_value(force(a, span)?.first().expect("one element")))
}

pub fn rc_tuple(items: Vec<Value>) -> Value {
    Value::Tuple(Rc::from(items))
}
