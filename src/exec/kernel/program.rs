//! A fused kernel compiled to a register program over chunks: every instruction
//! runs one tight, monomorphised loop over a chunk of lanes (the float semantics
//! come from `floatfns`, shared with the per-node kernels), so there is no
//! dispatch per element. Registers are reused once their value is dead, so a
//! long expression touches only a few chunk-sized buffers, all in cache.

use std::cell::RefCell;
use std::mem::MaybeUninit;

use super::strided::Source;
use crate::graph::{BinaryFn, DType, UnaryFn};
use crate::num::sum::{pairwise_sum, pairwise_tree};
use crate::opt::plan::{KKind, Kernel};

/// Where an instruction reads an operand.
#[derive(Clone, Copy, Debug)]
enum Arg {
    Load(usize),
    Reg(usize),
    Const(f64),
}

#[derive(Clone, Copy, Debug)]
enum Instr {
    Unary { f: UnaryFn, round: bool, a: Arg, dst: usize },
    Binary { f: BinaryFn, logical: bool, round: bool, a: Arg, b: Arg, dst: usize },
    Where { c: Arg, a: Arg, b: Arg, dst: usize },
    ToF32 { a: Arg, dst: usize },
    ToBool { a: Arg, dst: usize },
}

/// Lanes of a sum's last instruction computed at a time: 8 KiB, which stays in
/// the L1 cache, and long enough to make the set-up of a loop negligible.
const SUBTREE: usize = 1024;

pub struct Program {
    instrs: Vec<Instr>,
    registers: usize,
    /// For each load slot: the kernel input and its views.
    pub loads: Vec<(usize, Vec<crate::graph::View>)>,
    result: Arg,
    extra: Vec<Arg>,
}

/// One operand of a loop: a chunk of lanes, or one value for all of them.
#[derive(Clone, Copy)]
enum Src<'a> {
    Lanes(&'a [f64]),
    Value(f64),
}

thread_local! {
    /// Chunk buffers for loads and registers, reused across chunks and kernels.
    static SCRATCH: RefCell<Vec<Vec<f64>>> = const { RefCell::new(Vec::new()) };
}

impl Program {
    pub fn compile(kernel: &Kernel) -> Program {
        let ops = &kernel.ops;
        // A conversion to float64 shares its operand's register: liveness is
        // tracked on the op that owns the register.
        let mut owner: Vec<usize> = (0..ops.len()).collect();
        let mut last_use = vec![0usize; ops.len()];
        for (i, op) in ops.iter().enumerate() {
            if let KKind::Convert(a) = op.kind {
                if op.dtype == DType::Float64 {
                    owner[i] = owner[a];
                }
            }
            for a in operands(&op.kind) {
                last_use[owner[a]] = i;
            }
        }
        // Results are read after the last instruction: never reuse their registers.
        for r in std::iter::once(kernel.result_op()).chain(kernel.extra.iter().map(|e| e.1)) {
            last_use[owner[r]] = usize::MAX;
        }
        let mut loads = Vec::new();
        let mut args: Vec<Arg> = Vec::with_capacity(ops.len());
        let mut instrs = Vec::new();
        let mut free: Vec<usize> = Vec::new();
        let mut registers = 0;
        for (i, op) in ops.iter().enumerate() {
            let round = op.dtype == DType::Float32;
            let mut dst = || {
                free.pop().unwrap_or_else(|| {
                    registers += 1;
                    registers - 1
                })
            };
            let arg = match &op.kind {
                KKind::Load { input, views } => {
                    loads.push((*input, views.clone()));
                    Arg::Load(loads.len() - 1)
                }
                KKind::Const(v) => Arg::Const(*v),
                KKind::Unary(f, a) => {
                    let dst = dst();
                    instrs.push(Instr::Unary { f: *f, round, a: args[*a], dst });
                    Arg::Reg(dst)
                }
                KKind::Binary(f, compute, a, b) => {
                    let dst = dst();
                    let logical = *compute == DType::Bool;
                    instrs.push(Instr::Binary { f: *f, logical, round, a: args[*a], b: args[*b], dst });
                    Arg::Reg(dst)
                }
                KKind::Where(c, a, b) => {
                    let dst = dst();
                    instrs.push(Instr::Where { c: args[*c], a: args[*a], b: args[*b], dst });
                    Arg::Reg(dst)
                }
                // Every lane already holds its value exactly as float64.
                KKind::Convert(a) if op.dtype == DType::Float64 => args[*a],
                KKind::Convert(a) => {
                    let dst = dst();
                    let a = args[*a];
                    instrs.push(if op.dtype == DType::Bool {
                        Instr::ToBool { a, dst }
                    } else {
                        Instr::ToF32 { a, dst }
                    });
                    Arg::Reg(dst)
                }
            };
            args.push(arg);
            // Registers whose value nothing later reads are free again.
            for a in operands(&op.kind) {
                if let Arg::Reg(r) = args[owner[a]] {
                    if last_use[owner[a]] == i && !free.contains(&r) {
                        free.push(r);
                    }
                }
            }
        }
        let result = args[kernel.result_op()];
        let extra = kernel.extra.iter().map(|e| args[e.1]).collect();
        Program { instrs, registers, loads, result, extra }
    }

    /// `run` into initialized lanes.
    pub fn run_into(&self, sources: &[Source], start: usize, out: &mut [f64]) {
        self.run(sources, start, as_uninit(out));
    }

    /// Computes lanes `start..start + out.len()` of the kernel into `out`
    /// (which may be uninitialized: every lane is written).
    pub fn run(&self, sources: &[Source], start: usize, out: &mut [MaybeUninit<f64>]) {
        self.run_all(sources, start, out, &mut []);
    }

    /// `run`, also writing the extra results into `extra` (one slice each).
    pub fn run_all(&self, sources: &[Source], start: usize, out: &mut [MaybeUninit<f64>], extra: &mut [&mut [f64]]) {
        self.run_chunk(sources, start, out.len(), |src, last| {
            match (last, self.result) {
                (Some(instr), _) => execute(instr, &src, out),
                (None, arg) => map1(src(arg), out, |v| v),
            }
            for (lanes, &arg) in extra.iter_mut().zip(&self.extra) {
                map1(src(arg), as_uninit(lanes), |v| v);
            }
        })
    }

    /// The pairwise sum (the tree of `sum::pairwise_tree`) of lanes
    /// `start..start + len`, which are never stored whole: the last instruction
    /// runs on one subtree of at most `SUBTREE` lanes at a time, into a buffer
    /// that stays in the L1 cache, and the subtree is summed at once. This saves
    /// writing a chunk-sized buffer out of L1 and reading it back.
    pub fn run_sum(&self, sources: &[Source], start: usize, len: usize) -> f64 {
        self.run_chunk(sources, start, len, |src, last| {
            pairwise_tree(0, len, SUBTREE, &mut |at, n| {
                let part = |arg: Arg| match src(arg) {
                    Src::Lanes(lanes) => Src::Lanes(&lanes[at..at + n]),
                    value => value,
                };
                let mut lanes = [MaybeUninit::<f64>::uninit(); SUBTREE];
                let lanes = &mut lanes[..n];
                match last {
                    Some(instr) => execute(instr, &part, lanes),
                    None => map1(part(self.result), lanes, |v| v),
                }
                // SAFETY: both arms above write every lane.
                pairwise_sum(unsafe { &*(lanes as *const [MaybeUninit<f64>] as *const [f64]) })
            })
        })
    }

    /// Runs every instruction but the last on lanes `start..start + len`, then
    /// `finish` with the operands and that last instruction (`None` when the
    /// result is not a register of its own), so the caller decides where the
    /// result goes.
    fn run_chunk<R>(
        &self,
        sources: &[Source],
        start: usize,
        len: usize,
        finish: impl for<'s> FnOnce(&'s dyn Fn(Arg) -> Src<'s>, Option<&'s Instr>) -> R,
    ) -> R {
        SCRATCH.with(|cell| {
            let mut scratch = cell.borrow_mut();
            let needed = self.loads.len() + self.registers;
            if scratch.len() < needed {
                scratch.resize_with(needed, Vec::new);
            }
            let (gathered, regs) = scratch.split_at_mut(self.loads.len());
            let mut direct: Vec<Option<&[f64]>> = Vec::with_capacity(sources.len());
            for (slot, source) in sources.iter().enumerate() {
                let view = source.contiguous_f64(start, len);
                if view.is_none() {
                    let buffer = &mut gathered[slot];
                    grow(buffer, len);
                    source.gather(start, &mut buffer[..len]);
                }
                direct.push(view);
            }
            let gathered: &[Vec<f64>] = gathered;
            let load = |slot: usize| match direct[slot] {
                Some(lanes) => lanes,
                None => &gathered[slot][..len],
            };
            // The last instruction is left to `finish` when it computes the
            // only result.
            let (body, last) = match (self.result, self.instrs.last()) {
                (Arg::Reg(r), Some(instr)) if self.extra.is_empty() && destination(instr) == r => {
                    (&self.instrs[..self.instrs.len() - 1], Some(instr))
                }
                _ => (&self.instrs[..], None),
            };
            for instr in body {
                let dst = destination(instr);
                let mut lanes = std::mem::take(&mut regs[dst]);
                grow(&mut lanes, len);
                {
                    let regs: &[Vec<f64>] = regs;
                    let src = |arg: Arg| match arg {
                        Arg::Load(slot) => Src::Lanes(load(slot)),
                        Arg::Reg(r) => Src::Lanes(&regs[r][..len]),
                        Arg::Const(v) => Src::Value(v),
                    };
                    execute(instr, &src, as_uninit(&mut lanes[..len]));
                }
                regs[dst] = lanes;
            }
            let regs: &[Vec<f64>] = regs;
            let src = |arg: Arg| match arg {
                Arg::Load(slot) => Src::Lanes(load(slot)),
                Arg::Reg(r) => Src::Lanes(&regs[r][..len]),
                Arg::Const(v) => Src::Value(v),
            };
            finish(&src, last)
        })
    }
}

/// Makes `buffer` at least `len` lanes long. Never shortened: a short last
/// chunk followed by a full one would otherwise zero the difference again
/// every time (a fifth of Gram-Schmidt's time went to that).
fn grow(buffer: &mut Vec<f64>, len: usize) {
    if buffer.len() < len {
        buffer.resize(len, 0.0);
    }
}

fn destination(instr: &Instr) -> usize {
    match *instr {
        Instr::Unary { dst, .. }
        | Instr::Binary { dst, .. }
        | Instr::Where { dst, .. }
        | Instr::ToF32 { dst, .. }
        | Instr::ToBool { dst, .. } => dst,
    }
}

pub(super) fn as_uninit(lanes: &mut [f64]) -> &mut [MaybeUninit<f64>] {
    // SAFETY: `MaybeUninit<f64>` has the layout of `f64`, and only initialized
    // values are written through the result.
    unsafe { &mut *(lanes as *mut [f64] as *mut [MaybeUninit<f64>]) }
}

fn operands(kind: &KKind) -> Vec<usize> {
    match kind {
        KKind::Load { .. } | KKind::Const(_) => Vec::new(),
        KKind::Unary(_, a) | KKind::Convert(a) => vec![*a],
        KKind::Binary(_, _, a, b) => vec![*a, *b],
        KKind::Where(c, a, b) => vec![*c, *a, *b],
    }
}

fn truth(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

fn round32(v: f64) -> f64 {
    v as f32 as f64
}

/// Runs one instruction, with the loops compiled for AVX2 when the processor has
/// it (chosen at run time, so the binary still runs on any x86-64). Float results
/// are the same either way: Rust never fuses a multiply and an add on its own.
fn execute<'a>(instr: &Instr, src: &impl Fn(Arg) -> Src<'a>, out: &mut [MaybeUninit<f64>]) {
    #[cfg(target_arch = "x86_64")]
    {
        static AVX2: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        if *AVX2.get_or_init(|| std::arch::is_x86_feature_detected!("avx2")) {
            // SAFETY: the processor supports AVX2, checked above.
            return unsafe { execute_avx2(instr, src, out) };
        }
    }
    execute_loops(instr, src, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn execute_avx2<'a>(instr: &Instr, src: &impl Fn(Arg) -> Src<'a>, out: &mut [MaybeUninit<f64>]) {
    execute_loops(instr, src, out)
}

#[inline(always)]
fn execute_loops<'a>(instr: &Instr, src: &impl Fn(Arg) -> Src<'a>, out: &mut [MaybeUninit<f64>]) {
    match *instr {
        Instr::Unary { f, round, a, .. } => {
            let a = src(a);
            match f {
                UnaryFn::IsNan => map1(a, out, |v| truth(v.is_nan())),
                UnaryFn::IsInf => map1(a, out, |v| truth(v.is_infinite())),
                UnaryFn::IsFinite => map1(a, out, |v| truth(v.is_finite())),
                _ => {
                    crate::with_float_unary!(f, g => if round { map1(a, out, |v| round32(g(v))) } else { map1(a, out, g) },
                    _ => unreachable!("{f:?} is not fused"))
                }
            }
        }
        Instr::Binary { f, logical: true, a, b, .. } => {
            let (a, b) = (src(a), src(b));
            match f {
                BinaryFn::BitAnd | BinaryFn::LogicalAnd | BinaryFn::Minimum | BinaryFn::Fmin => {
                    map2(a, b, out, |x, y| truth(x != 0.0 && y != 0.0))
                }
                BinaryFn::BitOr | BinaryFn::LogicalOr | BinaryFn::Maximum | BinaryFn::Fmax => {
                    map2(a, b, out, |x, y| truth(x != 0.0 || y != 0.0))
                }
                BinaryFn::BitXor => map2(a, b, out, |x, y| truth((x != 0.0) != (y != 0.0))),
                _ => crate::with_float_binary!(f, g => map2(a, b, out, g), _ => unreachable!("{f:?} is not fused")),
            }
        }
        Instr::Binary { f, round, a, b, .. } => {
            let (a, b) = (src(a), src(b));
            crate::with_float_binary!(f, g => if round { map2(a, b, out, |x, y| round32(g(x, y))) } else { map2(a, b, out, g) },
                _ => unreachable!("{f:?} is not fused"))
        }
        Instr::Where { c, a, b, .. } => {
            let (c, a, b) = (src(c), src(a), src(b));
            // The common case, three chunks, as one branch-free loop: a condition
            // from data is as often true as false, so a branch would mispredict.
            if let (Src::Lanes(c), Src::Lanes(a), Src::Lanes(b)) = (c, a, b) {
                for (o, ((&c, &a), &b)) in out.iter_mut().zip(c.iter().zip(a).zip(b)) {
                    o.write(select(c, a, b));
                }
                return;
            }
            for (i, o) in out.iter_mut().enumerate() {
                o.write(select(at(c, i), at(a, i), at(b, i)));
            }
        }
        Instr::ToF32 { a, .. } => map1(src(a), out, round32),
        Instr::ToBool { a, .. } => map1(src(a), out, |v| truth(v != 0.0)),
    }
}

#[inline(always)]
fn select(c: f64, a: f64, b: f64) -> f64 {
    if c != 0.0 {
        a
    } else {
        b
    }
}

#[inline(always)]
fn at(s: Src, i: usize) -> f64 {
    match s {
        Src::Lanes(x) => x[i],
        Src::Value(v) => v,
    }
}

#[inline(always)]
fn map1(a: Src, out: &mut [MaybeUninit<f64>], g: impl Fn(f64) -> f64) {
    match a {
        Src::Lanes(x) => out.iter_mut().zip(x).for_each(|(o, &v)| {
            o.write(g(v));
        }),
        Src::Value(v) => out.fill(MaybeUninit::new(g(v))),
    }
}

#[inline(always)]
fn map2(a: Src, b: Src, out: &mut [MaybeUninit<f64>], g: impl Fn(f64, f64) -> f64) {
    match (a, b) {
        (Src::Lanes(x), Src::Lanes(y)) => out.iter_mut().zip(x.iter().zip(y)).for_each(|(o, (&p, &q))| {
            o.write(g(p, q));
        }),
        (Src::Lanes(x), Src::Value(q)) => out.iter_mut().zip(x).for_each(|(o, &p)| {
            o.write(g(p, q));
        }),
        (Src::Value(p), Src::Lanes(y)) => out.iter_mut().zip(y).for_each(|(o, &q)| {
            o.write(g(p, q));
        }),
        (Src::Value(p), Src::Value(q)) => out.fill(MaybeUninit::new(g(p, q))),
    }
}
