//! Random arrays (spec section 7.2). The generator is counter-based: an element's
//! value depends only on the seed, on how many random arrays the program made
//! before it, and on its position, never on threads or ranks.

use super::convert::{float_value, int_value, opt_int, shape_from};
use super::distribution::place;
use super::{Args, CallCtx, Registry};
use crate::diag::{Code, Diag};
use crate::graph::{ArrayData, DType, Nd, Node, Op, RandomKind};
use crate::interp::{Result, Value};

pub fn register(r: &mut Registry) {
    r.function(
        "seed(n=none)",
        "Restarts the generator from seed `n` (from the operating system when omitted). The default seed is 0.",
        seed,
    );
    r.function("rand(*shape, dist=none, block=none, grid=none)", "Uniform random numbers on [0, 1).", rand);
    r.function("randn(*shape, dist=none, block=none, grid=none)", "Standard normal random numbers.", randn);
    r.function(
        "randint(low, high, *shape, dist=none, block=none, grid=none)",
        "Random int64 values in [low, high).",
        randint,
    );
    r.function(
        "uniform(low, high, *shape, dist=none, block=none, grid=none)",
        "Uniform random numbers on [low, high).",
        uniform,
    );
    r.function(
        "normal(mean, std, *shape, dist=none, block=none, grid=none)",
        "Normal random numbers with the given mean and standard deviation.",
        normal,
    );
    r.function("permutation(n)", "A random ordering of 0, 1, ..., n-1.", permutation);
}

fn seed(ctx: &mut CallCtx, mut args: Args) -> Result<Value> {
    let n = match opt_int(&mut args, 0, "n")? {
        Some(n) => n as u64,
        // Rank 0's choice on every rank: random arrays must not depend on the rank.
        None => crate::dist::share_u64(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64 ^ u64::from(std::process::id()))
                .unwrap_or(0),
        ),
    };
    ctx.interp.rng_seed = n;
    ctx.interp.rng_stream = 0;
    Ok(Value::None)
}

fn next_stream(ctx: &mut CallCtx) -> (u64, u64) {
    let stream = ctx.interp.rng_stream;
    ctx.interp.rng_stream += 1;
    (ctx.interp.rng_seed, stream)
}

/// `dist=`, `block=` and `grid=` follow the distribution's own parameters.
fn random(ctx: &mut CallCtx, args: &mut Args, kind: RandomKind, dtype: DType) -> Result<Value> {
    let shape = shape_from(&args.rest, args.call_span)?;
    let (seed, stream) = next_stream(ctx);
    let node = Node::new(Op::Random { seed, stream, kind }, shape, dtype, args.call_span);
    let first_placement = args.values.len() - 3;
    Ok(Value::Array(place(args, first_placement, node)?))
}

fn uniform_kind(low: f64, high: f64) -> RandomKind {
    RandomKind::Uniform { low: low.to_bits(), high: high.to_bits() }
}

fn rand(ctx: &mut CallCtx, mut args: Args) -> Result<Value> {
    random(ctx, &mut args, uniform_kind(0.0, 1.0), DType::Float64)
}

fn randn(ctx: &mut CallCtx, mut args: Args) -> Result<Value> {
    random(ctx, &mut args, RandomKind::Normal, DType::Float64)
}

fn randint(ctx: &mut CallCtx, mut args: Args) -> Result<Value> {
    let (sl, sh) = (args.span(0), args.span(1));
    let low = int_value(&args.take(0).expect("required"), sl, "`low`")?;
    let high = int_value(&args.take(1).expect("required"), sh, "`high`")?;
    if high <= low {
        return Err(
            Diag::new(Code::Value, sh, format!("`high` ({high}) must be above `low` ({low})"), "empty range").into()
        );
    }
    random(ctx, &mut args, RandomKind::Integers { low, high }, DType::Int64)
}

fn uniform(ctx: &mut CallCtx, mut args: Args) -> Result<Value> {
    let (sl, sh) = (args.span(0), args.span(1));
    let low = float_value(&args.take(0).expect("required"), sl, "`low`")?;
    let high = float_value(&args.take(1).expect("required"), sh, "`high`")?;
    random(ctx, &mut args, uniform_kind(low, high), DType::Float64)
}

fn normal(ctx: &mut CallCtx, mut args: Args) -> Result<Value> {
    let (sm, ss) = (args.span(0), args.span(1));
    let mean = float_value(&args.take(0).expect("required"), sm, "`mean`")?;
    let std = float_value(&args.take(1).expect("required"), ss, "`std`")?;
    let span = args.call_span;
    let z = random(ctx, &mut args, RandomKind::Normal, DType::Float64)?;
    let scaled = crate::interp::ops::binary(crate::syntax::ast::BinaryOp::Mul, &z, &Value::Float(std), span, span, ss)?;
    Ok(crate::interp::ops::binary(crate::syntax::ast::BinaryOp::Add, &scaled, &Value::Float(mean), span, span, sm)?)
}

fn permutation(ctx: &mut CallCtx, mut args: Args) -> Result<Value> {
    let span = args.span(0);
    let n = opt_int(&mut args, 0, "n")?.expect("required");
    let n = usize::try_from(n).map_err(|_| Diag::new(Code::Value, span, "`n` must not be negative", "negative"))?;
    crate::exec::ensure_fits(n, 16, span)?;
    let (seed, stream) = next_stream(ctx);
    let order = crate::exec::permutation(seed, stream, n);
    let data = ArrayData::I64(Nd::from_shape_vec(ndarray::IxDyn(&[n]), order).expect("1-D"));
    Ok(Value::Array(Node::from_data(data, args.call_span)))
}
