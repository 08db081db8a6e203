//! Running fused kernels: the iteration space is cut into chunks of `CHUNK`
//! elements spread over the rayon pool; each chunk runs the kernel's register
//! program and stores (or reduces) its lanes.

mod program;
mod reduce;
mod strided;

use ndarray::IxDyn;
use rayon::prelude::*;

pub use program::Program;
use strided::Source;

use crate::graph::{ArrayData, DType, Nd, View};
use crate::opt::plan::Kernel;

/// Elements per chunk: a few registers of this many f64 stay in L1/L2 cache.
pub const CHUNK: usize = 2048;

/// The kernel's inputs as sources over its iteration space (`extra` views
/// applied after each load's own, e.g. moving reduced axes last). A view that
/// strides cannot express is computed into an array first.
fn sources(program: &Program, inputs: &[ArrayData], extra: &[View]) -> Vec<Source> {
    program
        .loads
        .iter()
        .map(|(input, views)| {
            let mut data = inputs[*input].clone();
            let mut source = Source::new(&data);
            for (k, view) in views.iter().chain(extra).enumerate() {
                if !source.apply(view) {
                    // Rare: a reshape of data out of order. Copy what came before.
                    let all: Vec<&View> = views.iter().chain(extra).collect();
                    for v in &all[..k] {
                        data = super::view_apply(&data, v);
                    }
                    data = super::view_apply(&data, view);
                    source = Source::new(&data);
                }
            }
            source
        })
        .collect()
}

/// Computes a kernel without a reduction into an array of its shape.
pub fn run_map(kernel: &Kernel, inputs: &[ArrayData], dtype: DType) -> ArrayData {
    let program = Program::compile(kernel);
    let sources = sources(&program, inputs, &[]);
    let size: usize = kernel.shape.iter().product();
    let shape = IxDyn(&kernel.shape);
    match dtype {
        DType::Float64 => {
            let mut out = vec![0.0f64; size];
            out.par_chunks_mut(CHUNK).enumerate().for_each(|(i, chunk)| program.run(&sources, i * CHUNK, chunk));
            ArrayData::F64(Nd::from_shape_vec(shape, out).expect("kernel shape"))
        }
        DType::Float32 => ArrayData::F32(
            Nd::from_shape_vec(shape, store(&program, &sources, size, |v| v as f32)).expect("kernel shape"),
        ),
        DType::Bool => ArrayData::Bool(
            Nd::from_shape_vec(shape, store(&program, &sources, size, |v| v != 0.0)).expect("kernel shape"),
        ),
        other => unreachable!("kernels never compute {other:?}"),
    }
}

fn store<T: Copy + Default + Send>(
    program: &Program,
    sources: &[Source],
    size: usize,
    from_lane: impl Fn(f64) -> T + Sync,
) -> Vec<T> {
    let mut out = vec![T::default(); size];
    out.par_chunks_mut(CHUNK).enumerate().for_each_init(
        || vec![0.0f64; CHUNK],
        |lanes, (i, chunk)| {
            let lanes = &mut lanes[..chunk.len()];
            program.run(sources, i * CHUNK, lanes);
            chunk.iter_mut().zip(lanes.iter()).for_each(|(o, &v)| *o = from_lane(v));
        },
    );
    out
}

pub use reduce::run_reduce;
