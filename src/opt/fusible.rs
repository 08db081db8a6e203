//! Which nodes a fused kernel can compute, and where kernels begin. A kernel
//! carries every value as an f64 lane, so it takes the operations whose result in
//! bool, float32 or float64 is exactly what the per-node kernels compute; integer
//! arithmetic (wrapping, exact beyond 2**53) stays with the per-node kernels.

use super::plan::{Expr, Id, Plan};
use crate::graph::{BinaryFn, DType, UnaryFn};

/// Converting a value of `from` to `to` through an f64 lane gives what a direct
/// cast gives (int64 to float32 would round twice).
pub fn convertible(from: DType, to: DType) -> bool {
    match to {
        DType::Float64 | DType::Bool => true,
        DType::Float32 => from != DType::Int64,
        DType::Int32 | DType::Int64 => false,
    }
}

fn lane_dtype(d: DType) -> bool {
    matches!(d, DType::Bool | DType::Float32 | DType::Float64)
}

/// An elementwise operation a kernel can compute.
pub fn fusible_map(plan: &Plan, id: Id) -> bool {
    let node = &plan.nodes[id];
    let dtype_of = |i: Id| plan.nodes[i].dtype;
    match &node.expr {
        Expr::Unary(UnaryFn::IsNan | UnaryFn::IsInf | UnaryFn::IsFinite, _) => true,
        Expr::Unary(UnaryFn::BitNot, _) => false,
        Expr::Unary(_, a) => node.dtype.is_float() && convertible(dtype_of(*a), node.dtype),
        Expr::Binary { f, compute, lhs, rhs } => {
            let operands = convertible(dtype_of(*lhs), *compute) && convertible(dtype_of(*rhs), *compute);
            let defined = match compute {
                DType::Float32 | DType::Float64 => !matches!(
                    f,
                    BinaryFn::BitAnd | BinaryFn::BitOr | BinaryFn::BitXor | BinaryFn::LogicalAnd | BinaryFn::LogicalOr
                ),
                DType::Bool => !matches!(
                    f,
                    BinaryFn::Add
                        | BinaryFn::Sub
                        | BinaryFn::Mul
                        | BinaryFn::Div
                        | BinaryFn::FloorDiv
                        | BinaryFn::Mod
                        | BinaryFn::Pow
                        | BinaryFn::Arctan2
                        | BinaryFn::Hypot
                ),
                _ => false,
            };
            operands && defined
        }
        Expr::Where { .. } => lane_dtype(node.dtype),
        Expr::Cast(a) => lane_dtype(node.dtype) && convertible(dtype_of(*a), node.dtype),
        _ => false,
    }
}

/// A node a kernel can take in: a fusible operation, a view, or a constant.
pub fn absorbable(plan: &Plan, id: Id) -> bool {
    matches!(plan.nodes[id].expr, Expr::View(..) | Expr::Const(_)) || fusible_map(plan, id)
}

/// For each node, whether a kernel ends there: an absorbable node that is the
/// root, is marked for materialization, or is read by something a kernel cannot
/// take in.
pub fn kernel_ends(plan: &Plan) -> Vec<bool> {
    let consumers = plan.consumers();
    (0..plan.nodes.len())
        .map(|id| {
            absorbable(plan, id)
                && (id == plan.root
                    || plan.nodes[id].materialize.is_some()
                    || consumers[id].iter().any(|&c| !absorbable(plan, c)))
        })
        .collect()
}
