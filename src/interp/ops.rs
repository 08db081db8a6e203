//! Operators on scalars, strings and tuples, with Python's semantics where the
//! spec says so (int overflow is an error, `//` floors, `%` takes the divisor's
//! sign, `2 ** -1 == 0.5`).

use std::cmp::Ordering;
use std::rc::Rc;

use super::arrays;
use super::value::Value;
use crate::diag::{Code, Diag};
pub use crate::num::pyfloat::{py_float_floordiv, py_float_mod};
use crate::syntax::ast::{BinaryOp, CompareOp, UnaryOp};
use crate::syntax::Span;

type Result<T> = std::result::Result<T, Diag>;

/// A number as the arithmetic sees it: bools count as ints, as in Python.
enum Num {
    Int(i64),
    Float(f64),
}

fn num(v: &Value) -> Option<Num> {
    match v {
        Value::Int(i) => Some(Num::Int(*i)),
        Value::Bool(b) => Some(Num::Int(i64::from(*b))),
        Value::Float(f) => Some(Num::Float(*f)),
        _ => None,
    }
}

pub fn binary(op: BinaryOp, l: &Value, r: &Value, op_span: Span, l_span: Span, r_span: Span) -> Result<Value> {
    if matches!(l, Value::Array(_)) || matches!(r, Value::Array(_)) {
        return arrays::binary(op, l, r, op_span, l_span, r_span);
    }
    // Logical operators on two bools stay bools (NumPy).
    if let (Value::Bool(a), Value::Bool(b)) = (l, r) {
        match op {
            BinaryOp::BitAnd => return Ok(Value::Bool(*a & *b)),
            BinaryOp::BitOr => return Ok(Value::Bool(*a | *b)),
            BinaryOp::BitXor => return Ok(Value::Bool(*a ^ *b)),
            _ => {}
        }
    }
    match (num(l), num(r)) {
        (Some(Num::Int(a)), Some(Num::Int(b))) => int_binary(op, a, b, op_span, r_span),
        (Some(Num::Int(a)), Some(Num::Float(b))) => float_binary(op, a as f64, b, op_span, l, r),
        (Some(Num::Float(a)), Some(Num::Int(b))) => float_binary(op, a, b as f64, op_span, l, r),
        (Some(Num::Float(a)), Some(Num::Float(b))) => float_binary(op, a, b, op_span, l, r),
        _ => sequence_binary(op, l, r, op_span, l_span, r_span),
    }
}

fn overflow(op: BinaryOp, span: Span) -> Diag {
    Diag::new(Code::Value, span, format!("integer overflow in `{}`", op.symbol()), "the result does not fit in 64 bits")
        .with_help("ints are 64-bit; convert an operand with `float(...)` to compute in floating point")
}

fn zero_division(op: BinaryOp, op_span: Span, r_span: Span) -> Diag {
    let what = match op {
        BinaryOp::Mod => "integer modulo by zero",
        BinaryOp::Pow => "zero raised to a negative power",
        _ => "integer division by zero",
    };
    Diag::new(Code::ZeroDivision, op_span, what, "divided here").with_label(r_span, "this is zero")
}

/// `a op b` when it is an int that fits in 64 bits; `None` when the result is
/// a float (`/`, a negative power), an overflow or a division by zero, which
/// `int_binary` computes or reports. The one definition of int arithmetic.
pub(super) fn int_exact(op: BinaryOp, a: i64, b: i64) -> Option<i64> {
    match op {
        BinaryOp::Add => a.checked_add(b),
        BinaryOp::Sub => a.checked_sub(b),
        BinaryOp::Mul => a.checked_mul(b),
        // Floor division and a remainder with the divisor's sign, as Python's.
        BinaryOp::FloorDiv => {
            let q = a.checked_div(b)?;
            Some(if a % b != 0 && ((a < 0) != (b < 0)) { q - 1 } else { q })
        }
        BinaryOp::Mod if b != 0 => {
            let m = a.checked_rem(b).unwrap_or(0);
            Some(if m != 0 && ((m < 0) != (b < 0)) { m + b } else { m })
        }
        BinaryOp::Pow if b >= 0 => a.checked_pow(u32::try_from(b).ok()?),
        BinaryOp::BitAnd => Some(a & b),
        BinaryOp::BitOr => Some(a | b),
        BinaryOp::BitXor => Some(a ^ b),
        BinaryOp::Mod | BinaryOp::Pow | BinaryOp::Div | BinaryOp::MatMul => None,
    }
}

fn int_binary(op: BinaryOp, a: i64, b: i64, op_span: Span, r_span: Span) -> Result<Value> {
    if let Some(v) = int_exact(op, a, b) {
        return Ok(Value::Int(v));
    }
    match op {
        BinaryOp::Div | BinaryOp::FloorDiv | BinaryOp::Mod if b == 0 => Err(zero_division(op, op_span, r_span)),
        BinaryOp::Div => Ok(Value::Float(a as f64 / b as f64)),
        BinaryOp::Pow if b < 0 && a == 0 => Err(zero_division(op, op_span, r_span)),
        BinaryOp::Pow if b < 0 => Ok(Value::Float((a as f64).powf(b as f64))),
        BinaryOp::MatMul => Err(matmul_on_scalars(op_span)),
        _ => Err(overflow(op, op_span)),
    }
}

fn float_binary(op: BinaryOp, a: f64, b: f64, op_span: Span, l: &Value, r: &Value) -> Result<Value> {
    let v = match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div => a / b,
        BinaryOp::FloorDiv => py_float_floordiv(a, b),
        BinaryOp::Mod => py_float_mod(a, b),
        BinaryOp::Pow => a.powf(b),
        BinaryOp::MatMul => return Err(matmul_on_scalars(op_span)),
        BinaryOp::BitAnd | BinaryOp::BitOr | BinaryOp::BitXor => {
            return Err(Diag::new(
                Code::Type,
                op_span,
                format!("`{}` needs ints or bools, not {} and {}", op.symbol(), l.type_name(), r.type_name()),
                "bitwise operator",
            ))
        }
    };
    Ok(Value::Float(v))
}

fn matmul_on_scalars(span: Span) -> Diag {
    Diag::new(Code::Type, span, "`@` multiplies matrices, not scalars", "matrix product of scalars")
        .with_help("use `*` for scalars")
}

fn sequence_binary(op: BinaryOp, l: &Value, r: &Value, op_span: Span, l_span: Span, r_span: Span) -> Result<Value> {
    match (op, l, r) {
        (BinaryOp::Add, Value::Str(a), Value::Str(b)) => Ok(Value::Str(Rc::from(format!("{a}{b}")))),
        (BinaryOp::Add, Value::Tuple(a), Value::Tuple(b)) => {
            Ok(Value::tuple(a.iter().chain(b.iter()).cloned().collect()))
        }
        (BinaryOp::Mul, Value::Str(s), Value::Int(n)) | (BinaryOp::Mul, Value::Int(n), Value::Str(s)) => {
            let n = usize::try_from(*n).unwrap_or(0);
            check_repeat_size(s.len(), n, op_span)?;
            Ok(Value::Str(Rc::from(s.repeat(n))))
        }
        (BinaryOp::Mul, Value::Tuple(t), Value::Int(n)) | (BinaryOp::Mul, Value::Int(n), Value::Tuple(t)) => {
            let n = usize::try_from(*n).unwrap_or(0);
            check_repeat_size(t.len(), n, op_span)?;
            Ok(Value::tuple(t.iter().cloned().cycle().take(t.len() * n).collect()))
        }
        _ => Err(operand_error(op.symbol(), l, r, op_span, l_span, r_span)),
    }
}

/// `darr::type` for an operator applied to kinds of values it does not take.
pub fn operand_error(symbol: &str, l: &Value, r: &Value, op_span: Span, l_span: Span, r_span: Span) -> Diag {
    Diag::new(
        Code::Type,
        op_span,
        format!("unsupported operand types for `{symbol}`: {} and {}", l.type_name(), r.type_name()),
        format!("{} {symbol} {}", l.type_name(), r.type_name()),
    )
    .with_label(l_span, format!("this is {}", l.described()))
    .with_label(r_span, format!("this is {}", r.described()))
}

fn check_repeat_size(len: usize, n: usize, span: Span) -> Result<()> {
    match len.checked_mul(n) {
        Some(total) if total <= 1 << 32 => Ok(()),
        _ => Err(Diag::new(Code::Memory, span, "the repeated result would be too large", "too large")),
    }
}

pub fn unary(op: UnaryOp, v: &Value, span: Span) -> Result<Value> {
    match (op, v) {
        (_, Value::Array(a)) => arrays::unary(op, a, span),
        (UnaryOp::Neg, Value::Int(i)) => i
            .checked_neg()
            .map(Value::Int)
            .ok_or_else(|| Diag::new(Code::Value, span, "integer overflow in `-`", "does not fit in 64 bits")),
        (UnaryOp::Neg, Value::Bool(b)) => Ok(Value::Int(-i64::from(*b))),
        (UnaryOp::Neg, Value::Float(f)) => Ok(Value::Float(-f)),
        (UnaryOp::Pos, Value::Int(_) | Value::Float(_)) => Ok(v.clone()),
        (UnaryOp::Pos, Value::Bool(b)) => Ok(Value::Int(i64::from(*b))),
        (UnaryOp::BitNot, Value::Int(i)) => Ok(Value::Int(!i)),
        (UnaryOp::BitNot, Value::Bool(b)) => Ok(Value::Bool(!b)),
        _ => {
            let symbol = match op {
                UnaryOp::Neg => "-",
                UnaryOp::Pos => "+",
                UnaryOp::BitNot => "~",
            };
            Err(Diag::new(
                Code::Type,
                span,
                format!("bad operand type for unary `{symbol}`: {}", v.type_name()),
                format!("this is {}", v.described()),
            ))
        }
    }
}

pub fn compare(op: CompareOp, l: &Value, r: &Value, op_span: Span, l_span: Span, r_span: Span) -> Result<Value> {
    if matches!(l, Value::Array(_)) || matches!(r, Value::Array(_)) {
        return arrays::elementwise(arrays::compare_fn(op), op.symbol(), l, r, op_span, l_span, r_span);
    }
    let ordering = match order(l, r) {
        Some(o) => o,
        None => {
            return match op {
                CompareOp::Eq => Ok(Value::Bool(equal(l, r))),
                CompareOp::Ne => Ok(Value::Bool(!equal(l, r))),
                _ if comparable_kinds(l, r) => Ok(Value::Bool(false)), // nan
                _ => Err(Diag::new(
                    Code::Type,
                    op_span,
                    format!("`{}` is not defined between {} and {}", op.symbol(), l.type_name(), r.type_name()),
                    "cannot be ordered",
                )
                .with_label(l_span, format!("this is {}", l.described()))
                .with_label(r_span, format!("this is {}", r.described()))),
            };
        }
    };
    Ok(Value::Bool(match op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Ne => ordering != Ordering::Equal,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
    }))
}

fn comparable_kinds(l: &Value, r: &Value) -> bool {
    num(l).is_some() && num(r).is_some()
}

/// Total order where one exists: numbers (exactly, across int and float), strings
/// and tuples (lexicographic). `None` for nan and for unrelated kinds.
pub fn order(l: &Value, r: &Value) -> Option<Ordering> {
    match (l, r) {
        (Value::Str(a), Value::Str(b)) => Some(a.cmp(b)),
        (Value::Tuple(a), Value::Tuple(b)) => {
            for (x, y) in a.iter().zip(b.iter()) {
                match order(x, y)? {
                    Ordering::Equal => continue,
                    o => return Some(o),
                }
            }
            Some(a.len().cmp(&b.len()))
        }
        _ => match (num(l)?, num(r)?) {
            (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
            (Num::Float(a), Num::Float(b)) => a.partial_cmp(&b),
            (Num::Int(a), Num::Float(b)) => cmp_int_float(a, b),
            (Num::Float(a), Num::Int(b)) => cmp_int_float(b, a).map(Ordering::reverse),
        },
    }
}

/// Compares an int with a float exactly, even beyond 2**53.
fn cmp_int_float(i: i64, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    // 2**63: the first float above every i64.
    const LIMIT: f64 = i64::MAX as f64;
    if f >= LIMIT {
        return Some(Ordering::Less);
    }
    if f < -LIMIT {
        return Some(Ordering::Greater);
    }
    let t = f.trunc();
    Some(i.cmp(&(t as i64)).then(if f > t {
        Ordering::Less
    } else if f < t {
        Ordering::Greater
    } else {
        Ordering::Equal
    }))
}

/// `==` between any two values: unrelated kinds are simply unequal.
pub fn equal(l: &Value, r: &Value) -> bool {
    match (l, r) {
        (Value::None, Value::None) => true,
        (Value::Tuple(a), Value::Tuple(b)) => a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| equal(x, y)),
        (Value::Range(a), Value::Range(b)) => a == b,
        (Value::Function(a), Value::Function(b)) => Rc::ptr_eq(a, b),
        (Value::Builtin(a), Value::Builtin(b)) => std::ptr::eq(*a, *b),
        (Value::Module(a), Value::Module(b)) => Rc::ptr_eq(a, b),
        (Value::DType(a), Value::DType(b)) => a == b,
        _ => order(l, r) == Some(Ordering::Equal),
    }
}

/// Truth value (spec 2.1).
pub fn truthy(v: &Value, span: Span) -> Result<bool> {
    Ok(match v {
        Value::Array(a) => arrays::truthy(a, span)?,
        Value::DType(_) => true,
        Value::None => false,
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::Float(f) => *f != 0.0,
        Value::Str(s) => !s.is_empty(),
        Value::Tuple(t) => !t.is_empty(),
        Value::Range(r) => !r.is_empty(),
        Value::Function(_) | Value::Builtin(_) | Value::Module(_) => true,
    })
}

/// An int (or bool) used as an index.
pub fn expect_index(v: &Value, span: Span) -> Result<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Array(a) if a.ndim() == 0 && !a.dtype.is_float() => match arrays::item(a, span)? {
            Value::Int(i) => Ok(i),
            Value::Bool(b) => Ok(i64::from(b)),
            _ => unreachable!("an int or bool array"),
        },
        other => Err(Diag::new(
            Code::Type,
            span,
            format!("indices must be integers, not {}", other.type_name()),
            format!("this is {}", other.described()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bin(op: BinaryOp, l: Value, r: Value) -> Result<Value> {
        binary(op, &l, &r, Span::default(), Span::default(), Span::default())
    }

    fn int(v: Result<Value>) -> i64 {
        match v {
            Ok(Value::Int(i)) => i,
            other => panic!("expected an int, got {other:?}"),
        }
    }

    fn float(v: Result<Value>) -> f64 {
        match v {
            Ok(Value::Float(f)) => f,
            other => panic!("expected a float, got {other:?}"),
        }
    }

    #[test]
    fn floor_division_and_modulo_follow_python() {
        assert_eq!(int(bin(BinaryOp::FloorDiv, Value::Int(-7), Value::Int(2))), -4);
        assert_eq!(int(bin(BinaryOp::Mod, Value::Int(-7), Value::Int(3))), 2);
        assert_eq!(int(bin(BinaryOp::Mod, Value::Int(7), Value::Int(-3))), -2);
        assert_eq!(float(bin(BinaryOp::FloorDiv, Value::Float(7.5), Value::Int(2))), 3.0);
        assert_eq!(float(bin(BinaryOp::Mod, Value::Float(-7.5), Value::Int(2))), 0.5);
    }

    #[test]
    fn integer_errors() {
        assert_eq!(bin(BinaryOp::FloorDiv, Value::Int(1), Value::Int(0)).unwrap_err().code, Code::ZeroDivision);
        assert_eq!(bin(BinaryOp::Mul, Value::Int(i64::MAX), Value::Int(2)).unwrap_err().code, Code::Value);
        assert_eq!(bin(BinaryOp::FloorDiv, Value::Int(i64::MIN), Value::Int(-1)).unwrap_err().code, Code::Value);
        assert_eq!(bin(BinaryOp::Pow, Value::Int(2), Value::Int(64)).unwrap_err().code, Code::Value);
        assert_eq!(float(bin(BinaryOp::Pow, Value::Int(2), Value::Int(-1))), 0.5);
    }

    #[test]
    fn int_float_comparison_is_exact() {
        assert_eq!(cmp_int_float(9007199254740993, 9007199254740992.0), Some(Ordering::Greater));
        assert_eq!(cmp_int_float(5, 5.0), Some(Ordering::Equal));
        assert_eq!(cmp_int_float(-3, -2.5), Some(Ordering::Less));
        assert_eq!(cmp_int_float(i64::MAX, 9.3e18), Some(Ordering::Less));
    }
}
