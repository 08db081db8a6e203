//! Fused reductions. The reduced axes are iterated innermost, so each output
//! element reduces one run of lanes: short runs are reduced a whole chunk of rows
//! at a time; a long run is cut into chunks whose partials are combined. Sums
//! follow the pairwise tree of `sum::pairwise_sum` exactly (a chunk is a subtree),
//! so a fused sum equals the unfused one bit for bit, for any thread count.

use ndarray::IxDyn;
use rayon::prelude::*;

use super::{sources, Inputs, Program, Source, CHUNK};
use crate::exec::column_sums::{column_sums, RowSource};
use crate::exec::reduce::reduce_row;
use crate::graph::{ArrayData, DType, Nd, ReduceFn, View};
use crate::num::sum::{leaf_sum, pairwise_sum, BLOCK};
use crate::opt::plan::Kernel;

/// Subtrees of a sum at least this long are split between threads.
const PARALLEL_SUM: usize = 8 * CHUNK;

/// The kernel's reductions: the first result, then each extra one (sibling sums
/// fused into the same pass).
pub fn run_reduce(kernel: &Kernel, inputs: &Inputs, out_shape: &[usize], out: DType) -> Vec<ArrayData> {
    if kernel.extra.is_empty() {
        return vec![run_single(kernel, inputs, out_shape, out)];
    }
    run_sums(kernel, inputs, out_shape, out)
}

/// A reducing kernel laid out as rows: the kept axes outermost, the reduced
/// ones innermost, so first result `r` reduces lanes `r * inner..(r + 1) * inner`.
/// With a second stage, the axes it reduces come just before the first stage's,
/// so output element `q` reduces first results `q * then_inner..(q + 1) * then_inner`.
struct Rows {
    f: ReduceFn,
    program: Program,
    sources: Vec<Source>,
    inner: usize,
    outer: usize,
    then: Option<(ReduceFn, usize)>,
}

impl Rows {
    fn new(kernel: &Kernel, inputs: &Inputs) -> Rows {
        let (f, axes) = kernel.reduce.clone().expect("a reducing kernel");
        let kept: Vec<usize> = (0..kernel.shape.len()).filter(|a| !axes.contains(a)).collect();
        // The second stage's axes count among the first stage's results (`kept`).
        let then_axes: &[usize] = kernel.then.as_ref().map_or(&[], |(_, a)| a);
        let outermost = (0..kept.len()).filter(|i| !then_axes.contains(i)).chain(then_axes.iter().copied());
        let perm: Vec<usize> = outermost.map(|i| kept[i]).chain(axes.iter().copied()).collect();
        let identity = perm.iter().enumerate().all(|(i, &p)| i == p);
        let extra = if identity { Vec::new() } else { vec![View::Transpose(perm)] };
        let program = Program::compile(kernel);
        let sources = sources(&program, inputs, &extra);
        let inner = axes.iter().map(|&a| kernel.shape[a]).product();
        let outer = kept.iter().map(|&a| kernel.shape[a]).product();
        let then = kernel.then.as_ref().map(|(g, a)| (*g, a.iter().map(|&i| kernel.shape[kept[i]]).product()));
        Rows { f, program, sources, inner, outer, then }
    }

    /// First results `first..first + out.len()`, one after another on this thread
    /// (but a long row's chunks in parallel); `lanes` is scratch space.
    fn first_results(&self, first: usize, out: &mut [f64], lanes: &mut Vec<f64>) {
        let (f, inner) = (self.f, self.inner);
        if inner == 0 {
            out.fill(reduce_row::<f64>(f, &[]));
        } else if inner > CHUNK {
            for (r, result) in out.iter_mut().enumerate() {
                *result = long_row(f, &self.program, &self.sources, (first + r) * inner, inner);
            }
        } else {
            let rows_per_group = (CHUNK / inner).max(1);
            lanes.resize(rows_per_group * inner, 0.0);
            for (g, results) in out.chunks_mut(rows_per_group).enumerate() {
                let lanes = &mut lanes[..results.len() * inner];
                self.program.run_into(&self.sources, (first + g * rows_per_group) * inner, lanes);
                short_rows(f, lanes, inner, results);
            }
        }
    }
}

fn run_single(kernel: &Kernel, inputs: &Inputs, out_shape: &[usize], out: DType) -> ArrayData {
    if let Some(sums) = down_columns(kernel, inputs) {
        return ArrayData::F64(Nd::from_shape_vec(IxDyn(out_shape), sums).expect("reduction shape")).cast(out);
    }
    let rows = Rows::new(kernel, inputs);
    let results = match rows.then {
        None => {
            let mut results = vec![0.0; rows.outer];
            first_stage(&rows, 0, &mut results);
            results
        }
        Some((g, then_inner)) => second_stage(&rows, g, then_inner, out_shape.iter().product()),
    };
    ArrayData::F64(Nd::from_shape_vec(IxDyn(out_shape), results).expect("reduction shape")).cast(out)
}

/// Kept axes at least this long (in all) are summed down columns.
const MIN_COLUMNS: usize = 64;

/// A sum or mean over a run of axes that kept axes follow (`sum(a * b,
/// axis=0)`): the kernel computes row segments in iteration order, which
/// `column_sums` adds into column accumulators, instead of reading its inputs
/// transposed, a lane at a time.
fn down_columns(kernel: &Kernel, inputs: &Inputs) -> Option<Vec<f64>> {
    let (f, axes) = kernel.reduce.as_ref()?;
    let (&first, &last) = (axes.first()?, axes.last()?);
    let run = axes.windows(2).all(|w| w[1] == w[0] + 1);
    if !matches!(f, ReduceFn::Sum | ReduceFn::Mean) || kernel.then.is_some() || !run || last + 1 >= kernel.shape.len() {
        return None;
    }
    let cols: usize = kernel.shape[last + 1..].iter().product();
    if cols < MIN_COLUMNS {
        return None;
    }
    let program = Program::compile(kernel);
    let sources = sources(&program, inputs, &[]);
    let rows = KernelRows {
        program,
        sources,
        outer: kernel.shape[..first].iter().product(),
        rows: kernel.shape[first..=last].iter().product(),
        cols,
    };
    let mut sums = column_sums(&rows);
    if *f == ReduceFn::Mean {
        sums.iter_mut().for_each(|s| *s /= rows.rows as f64);
    }
    Some(sums)
}

/// A kernel's iteration space as stacked matrices, computed a row segment at a
/// time.
struct KernelRows {
    program: Program,
    sources: Vec<Source>,
    outer: usize,
    rows: usize,
    cols: usize,
}

impl RowSource for KernelRows {
    fn shape(&self) -> [usize; 3] {
        [self.outer, self.rows, self.cols]
    }
    fn with_row<F: FnOnce(&[f64])>(&self, o: usize, r: usize, first: usize, scratch: &mut [f64], f: F) {
        self.program.run_into(&self.sources, (o * self.rows + r) * self.cols + first, scratch);
        f(scratch)
    }
}

/// First results `first..first + out.len()`: rows spread over the threads a
/// chunk of lanes at a time, or, when rows are longer than a chunk, each row's
/// chunks.
fn first_stage(rows: &Rows, first: usize, out: &mut [f64]) {
    if rows.inner > CHUNK || out.len() == 1 {
        rows.first_results(first, out, &mut Vec::new());
    } else {
        let per_task = (CHUNK / rows.inner.max(1)).max(1);
        out.par_chunks_mut(per_task)
            .enumerate()
            .for_each_init(Vec::new, |lanes, (t, part)| rows.first_results(first + t * per_task, part, lanes));
    }
}

/// The `count` results of the second stage `g`, each over a run of
/// `then_inner` first results. Many outputs are computed a group at a time on
/// each thread, so that their first results stay in cache; few outputs one
/// after another, each from first results computed by all threads.
fn second_stage(rows: &Rows, g: ReduceFn, then_inner: usize, count: usize) -> Vec<f64> {
    if then_inner == 0 {
        return vec![reduce_row::<f64>(g, &[]); count];
    }
    if count < 4 * rayon::current_num_threads() {
        let mut firsts = vec![0.0; then_inner];
        return (0..count)
            .map(|q| {
                first_stage(rows, q * then_inner, &mut firsts);
                short_row(g, &firsts)
            })
            .collect();
    }
    let lanes_per_output = then_inner * rows.inner.max(1);
    let per_task = (CHUNK / lanes_per_output).max(1);
    let mut results = vec![0.0; count];
    results.par_chunks_mut(per_task).enumerate().for_each_init(
        || (Vec::new(), Vec::new()),
        |(lanes, firsts), (t, part)| {
            firsts.resize(part.len() * then_inner, 0.0);
            rows.first_results(t * per_task * then_inner, firsts, lanes);
            short_rows(g, firsts, then_inner, part);
        },
    );
    results
}

/// Reduces each run of `inner` lanes into one result. The commonest short
/// rows get loops of their own, with nothing called per row.
fn short_rows(f: ReduceFn, lanes: &[f64], inner: usize, results: &mut [f64]) {
    let rows = lanes.chunks_exact(inner).zip(results);
    match f {
        ReduceFn::Sum if inner <= BLOCK => rows.for_each(|(row, result)| *result = leaf_sum(row)),
        ReduceFn::ArgMin => rows.for_each(|(row, result)| *result = arg_extreme(row, |x, best| x < best)),
        ReduceFn::ArgMax => rows.for_each(|(row, result)| *result = arg_extreme(row, |x, best| x > best)),
        _ => rows.for_each(|(row, result)| *result = short_row(f, row)),
    }
}

fn short_row(f: ReduceFn, lanes: &[f64]) -> f64 {
    match f {
        ReduceFn::Sum => pairwise_sum(lanes),
        ReduceFn::Mean => pairwise_sum(lanes) / lanes.len() as f64,
        ReduceFn::ArgMin => arg_extreme(lanes, |x, best| x < best),
        ReduceFn::ArgMax => arg_extreme(lanes, |x, best| x > best),
        _ => reduce_row(f, lanes),
    }
}

/// The position of the first extreme value (`better(x, best)` says when `x`
/// beats the best so far), or of the first nan: `reduce_row`'s rule for
/// arg-reductions, without its conversions from other dtypes. The scan selects
/// without branching (random data mispredicts "is this the best yet"); a nan,
/// rare, is looked for again afterwards.
#[inline(always)]
fn arg_extreme(lanes: &[f64], better: impl Fn(f64, f64) -> bool) -> f64 {
    let Some(&first) = lanes.first() else { return 0.0 };
    let (mut best, mut at, mut nan) = (first, 0, first.is_nan());
    for (i, &x) in lanes.iter().enumerate().skip(1) {
        let wins = better(x, best);
        best = if wins { x } else { best };
        at = if wins { i } else { at };
        nan |= x.is_nan();
    }
    if nan {
        return lanes.iter().position(|x| x.is_nan()).expect("a nan was seen") as f64;
    }
    at as f64
}

/// One output element reducing `len` lanes from `start`.
fn long_row(f: ReduceFn, program: &Program, sources: &[Source], start: usize, len: usize) -> f64 {
    match f {
        ReduceFn::Sum => pairwise(program, sources, start, len),
        ReduceFn::Mean => pairwise(program, sources, start, len) / len as f64,
        _ => {
            let chunks = len.div_ceil(CHUNK);
            let partials: Vec<Partial> = (0..chunks)
                .into_par_iter()
                .map_init(
                    || vec![0.0f64; CHUNK],
                    |lanes, c| {
                        let offset = c * CHUNK;
                        let lanes = &mut lanes[..CHUNK.min(len - offset)];
                        program.run_into(sources, start + offset, lanes);
                        partial(f, lanes, offset)
                    },
                )
                .collect();
            let total = partials.into_iter().reduce(|a, b| combine(f, a, b)).expect("at least one chunk");
            match f {
                ReduceFn::ArgMin | ReduceFn::ArgMax => total.index as f64,
                _ => total.value,
            }
        }
    }
}

/// The pairwise sum of lanes `start..start + len`, split exactly as
/// `pairwise_sum` splits them.
fn pairwise(program: &Program, sources: &[Source], start: usize, len: usize) -> f64 {
    if len <= CHUNK {
        return chunk_sum(program, sources, start, len);
    }
    let mut half = len / 2;
    half -= half % 8;
    if len >= PARALLEL_SUM {
        let (a, b) = rayon::join(
            || pairwise(program, sources, start, half),
            || pairwise(program, sources, start + half, len - half),
        );
        a + b
    } else {
        pairwise(program, sources, start, half) + pairwise(program, sources, start + half, len - half)
    }
}

/// The pairwise sum of one chunk's lanes. Kept out of `pairwise` so the chunk's
/// working state is not part of every recursive frame.
#[inline(never)]
fn chunk_sum(program: &Program, sources: &[Source], start: usize, len: usize) -> f64 {
    program.run_sum(sources, start, len)
}

/// Several sums (or means) of one kernel over the same axes, in one pass.
fn run_sums(kernel: &Kernel, inputs: &Inputs, out_shape: &[usize], out: DType) -> Vec<ArrayData> {
    let Rows { f, program, sources, inner, outer, .. } = Rows::new(kernel, inputs);
    let fns: Vec<(ReduceFn, DType)> =
        std::iter::once((f, out)).chain(kernel.extra.iter().map(|e| (e.0, e.2))).collect();
    let n = fns.len();
    let rows: Vec<Vec<f64>> = (0..outer)
        .map(|r| if inner == 0 { vec![0.0; n] } else { pairwise_all(&program, &sources, r * inner, inner, n) })
        .collect();
    fns.iter()
        .enumerate()
        .map(|(k, &(f, dtype))| {
            let values: Vec<f64> =
                rows.iter().map(|row| if f == ReduceFn::Mean { row[k] / inner as f64 } else { row[k] }).collect();
            ArrayData::F64(Nd::from_shape_vec(IxDyn(out_shape), values).expect("reduction shape")).cast(dtype)
        })
        .collect()
}

/// The pairwise sums of every result over lanes `start..start + len`.
fn pairwise_all(program: &Program, sources: &[Source], start: usize, len: usize, n: usize) -> Vec<f64> {
    if len <= CHUNK {
        let mut first = vec![0.0f64; len];
        let mut others = vec![vec![0.0f64; len]; n - 1];
        let mut slices: Vec<&mut [f64]> = others.iter_mut().map(|v| v.as_mut_slice()).collect();
        program.run_all(sources, start, super::program::as_uninit(&mut first), &mut slices);
        return std::iter::once(pairwise_sum(&first)).chain(others.iter().map(|v| pairwise_sum(v))).collect();
    }
    let mut half = len / 2;
    half -= half % 8;
    let (a, b) = if len >= PARALLEL_SUM {
        rayon::join(
            || pairwise_all(program, sources, start, half, n),
            || pairwise_all(program, sources, start + half, len - half, n),
        )
    } else {
        (pairwise_all(program, sources, start, half, n), pairwise_all(program, sources, start + half, len - half, n))
    };
    a.iter().zip(&b).map(|(x, y)| x + y).collect()
}

/// A chunk's share of a reduction: its value, and for arg-reductions the
/// position (in the whole row) where it was found.
#[derive(Clone, Copy)]
struct Partial {
    value: f64,
    index: usize,
}

fn partial(f: ReduceFn, lanes: &[f64], offset: usize) -> Partial {
    let r = reduce_row(f, lanes);
    match f {
        ReduceFn::ArgMin | ReduceFn::ArgMax => Partial { value: lanes[r as usize], index: offset + r as usize },
        _ => Partial { value: r, index: 0 },
    }
}

/// Combines the partials of two neighbouring chunks, `a` before `b`, as one
/// pass over both would.
fn combine(f: ReduceFn, a: Partial, b: Partial) -> Partial {
    let value = |v: f64| Partial { value: v, index: 0 };
    let either_nan = a.value.is_nan() || b.value.is_nan();
    match f {
        ReduceFn::Min => value(if either_nan { f64::NAN } else { a.value.min(b.value) }),
        ReduceFn::Max => value(if either_nan { f64::NAN } else { a.value.max(b.value) }),
        // The first nan wins, then the first extreme value.
        ReduceFn::ArgMin | ReduceFn::ArgMax => {
            let better = (f == ReduceFn::ArgMin && b.value < a.value) || (f == ReduceFn::ArgMax && b.value > a.value);
            if !a.value.is_nan() && (b.value.is_nan() || better) {
                b
            } else {
                a
            }
        }
        ReduceFn::All => value(if a.value != 0.0 && b.value != 0.0 { 1.0 } else { 0.0 }),
        ReduceFn::Any => value(if a.value != 0.0 || b.value != 0.0 { 1.0 } else { 0.0 }),
        ReduceFn::CountNonzero => value(a.value + b.value),
        other => unreachable!("{other:?} is not fused"),
    }
}
