//! Running fused kernels: the iteration space is cut into chunks of `CHUNK`
//! elements spread over the rayon pool; each chunk runs the kernel's register
//! program and stores (or reduces) its lanes.

mod program;
mod reduce;
mod strided;
mod update;

use std::mem::MaybeUninit;

use ndarray::IxDyn;
use rayon::prelude::*;

pub use program::Program;
use strided::Source;

use crate::graph::{ArrayData, DType, Nd, View};
use crate::opt::plan::Kernel;
pub use crate::opt::plan::CHUNK;

/// The chunk length for iterating over `shape`: one row when rows are about a
/// chunk long, so a slice of a larger array (a stencil's `u[1:-1, 2:]`) is read
/// in place row by row instead of gathered.
fn chunk_len(shape: &[usize]) -> usize {
    match shape.last() {
        Some(&row) if shape.len() > 1 && (CHUNK / 4..=4 * CHUNK).contains(&row) => row,
        _ => CHUNK,
    }
}

/// A kernel's inputs, and which part of its iteration space this rank computes.
pub struct Inputs {
    pub data: Vec<ArrayData>,
    /// Per input: `None` when `data` is the whole value, or where the rows it holds
    /// sit in a value split over the ranks.
    pub placed: Vec<Option<Placed>>,
    /// Only rows `start..stop` of the iteration space's first axis (the kernel
    /// given to run is then that many rows long).
    pub window: Option<(usize, usize)>,
}

/// Rows `first..first + data.shape()[0]` of a value of `rows` rows.
#[derive(Clone, Copy, Debug)]
pub struct Placed {
    pub first: usize,
    pub rows: usize,
}

impl Inputs {
    /// Whole values, the whole iteration space.
    pub fn whole(data: Vec<ArrayData>) -> Inputs {
        let placed = vec![None; data.len()];
        Inputs { data, placed, window: None }
    }
}

/// The kernel's inputs as sources over its iteration space (the window, then
/// `extra` views applied after each load's own, e.g. moving reduced axes last). A
/// view that strides cannot express is computed into an array first (whole inputs
/// only: plans split over ranks have no such views).
fn sources(program: &Program, inputs: &Inputs, extra: &[View]) -> Vec<Source> {
    let window: Vec<View> = inputs.window.iter().map(|&(a, b)| row_window(a, b)).collect();
    program
        .loads
        .iter()
        .map(|(input, views)| {
            let mut data = inputs.data[*input].clone();
            let mut source = Source::new(&data);
            if let Some(p) = inputs.placed[*input] {
                source.at.rebase_rows(p.first, p.rows);
            }
            let all: Vec<&View> = views.iter().chain(&window).chain(extra).collect();
            for (k, view) in all.iter().enumerate() {
                if !source.at.apply(view) {
                    // Rare: a reshape of data out of order. Copy what came before.
                    for v in &all[..k] {
                        data = crate::num::view::apply(&data, v);
                    }
                    data = crate::num::view::apply(&data, view);
                    source = Source::new(&data);
                }
            }
            source.collapse();
            source
        })
        .collect()
}

/// The view keeping rows `a..b` of the first axis.
fn row_window(a: usize, b: usize) -> View {
    View::Slice(vec![crate::graph::SliceElem::Range { first: a, count: b - a, step: 1 }])
}

/// Computes a kernel without a reduction into an array of its shape.
pub fn run_map(kernel: &Kernel, inputs: &Inputs, dtype: DType) -> ArrayData {
    let program = Program::compile(kernel);
    let sources = sources(&program, inputs, &[]);
    let size: usize = kernel.shape.iter().product();
    let shape = IxDyn(&kernel.shape);
    match dtype {
        DType::Float64 => {
            let chunk = chunk_len(&kernel.shape);
            let out = filled(size, chunk, |start, lanes| program.run(&sources, start, lanes));
            ArrayData::F64(Nd::from_shape_vec(shape, out).expect("kernel shape"))
        }
        DType::Float32 => {
            let lanes = store(&program, &sources, size, chunk_len(&kernel.shape), |v| v as f32);
            ArrayData::F32(Nd::from_shape_vec(shape, lanes).expect("kernel shape"))
        }
        DType::Bool => {
            let lanes = store(&program, &sources, size, chunk_len(&kernel.shape), |v| v != 0.0);
            ArrayData::Bool(Nd::from_shape_vec(shape, lanes).expect("kernel shape"))
        }
        other => unreachable!("kernels never compute {other:?}"),
    }
}

/// Computes a map kernel's lanes over `inputs.window` (rows of its first
/// axis) into `out`, on this thread: one block of a pass its caller shares
/// out over the threads.
pub fn run_rows(program: &Program, inputs: &Inputs, out: &mut [f64]) {
    let sources = sources(program, inputs, &[]);
    program.run_into(&sources, 0, out);
}

/// A new vector of `size` elements, each chunk written by `fill(its start,
/// chunk)` in parallel. The buffer is not zeroed first: `fill` writes every
/// element.
fn filled<T: Send>(size: usize, chunk: usize, fill: impl Fn(usize, &mut [MaybeUninit<T>]) + Sync) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(size);
    let lanes = &mut out.spare_capacity_mut()[..size];
    if size == 0 {
        // Nothing to compute (a rank's empty share of a small split array).
    } else if size <= chunk {
        // One chunk: on this thread, not handed to the pool and waited for
        // (which costs more than a small kernel).
        fill(0, lanes);
    } else {
        lanes.par_chunks_mut(chunk).enumerate().for_each(|(i, part)| fill(i * chunk, part));
    }
    // SAFETY: every chunk of the first `size` elements was written above (a
    // panic in `fill` propagates before this line).
    unsafe { out.set_len(size) };
    out
}

fn store<T: Copy + Send>(
    program: &Program,
    sources: &[Source],
    size: usize,
    chunk: usize,
    from_lane: impl Fn(f64) -> T + Sync,
) -> Vec<T> {
    filled(size, chunk, |start, chunk| {
        let mut lanes = vec![0.0f64; chunk.len()];
        program.run_into(sources, start, &mut lanes);
        chunk.iter_mut().zip(lanes.iter()).for_each(|(o, &v)| {
            o.write(from_lane(v));
        });
    })
}

pub use reduce::run_reduce;
pub use update::run_update;
