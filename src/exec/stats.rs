//! Counters for `--time`: how long optimization took and how much ran. Each
//! rank counts its own (the counters are per thread: ranks run as threads of one
//! process with `--ranks`); `--time` prints rank 0's.

use std::cell::RefCell;
use std::time::Duration;

thread_local! {
    static SO_FAR: RefCell<Summary> = RefCell::new(Summary::default());
}

fn count(update: impl FnOnce(&mut Summary)) {
    SO_FAR.with(|s| update(&mut s.borrow_mut()));
}

pub fn record_optimize(spent: Duration) {
    count(|s| {
        s.optimize += spent;
        s.plans += 1;
    });
}

pub fn record_parse(spent: Duration) {
    count(|s| s.parse += spent);
}

thread_local! {
    /// How many computations are running on this thread (an input is computed
    /// inside its reader), so time is counted once.
    static DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

static TIMING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `--time`: measure how long computing arrays takes (reading the clock costs
/// a loop of small operations a few percent, so it is off otherwise).
pub fn set_timing(on: bool) {
    TIMING.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Runs `compute`, counting its time as computing arrays unless it runs inside
/// another computation (whose time includes it).
pub fn timed<R>(compute: impl FnOnce() -> R) -> R {
    if !TIMING.load(std::sync::atomic::Ordering::Relaxed) {
        return compute();
    }
    let started = std::time::Instant::now();
    DEPTH.with(|d| d.set(d.get() + 1));
    let result = compute();
    let depth = DEPTH.with(|d| {
        d.set(d.get() - 1);
        d.get()
    });
    if depth == 0 {
        count(|s| s.compute += started.elapsed());
    }
    result
}

/// A transposed product was computed in one pass with the elementwise
/// operand it reads (`exec::gradient`).
pub fn record_one_pass_product() {
    count(|s| s.one_pass_products += 1);
}

pub fn record_kernel() {
    count(|s| s.kernels += 1);
}

/// A plan ran split over the ranks of an MPI job.
pub fn record_split_plan() {
    count(|s| s.split_plans += 1);
}

/// A `.npy` file was read or written in parts, each rank its own rows.
pub fn record_split_file() {
    count(|s| s.split_files += 1);
}

/// A gather by index read a split value, asking each row of its owner.
pub fn record_split_gather() {
    count(|s| s.split_gathers += 1);
}

/// A split 1-D value was sorted by sample sort.
pub fn record_split_sort() {
    count(|s| s.split_sorts += 1);
}

/// A matrix product computed this rank's rows of a split result.
pub fn record_split_matmul() {
    count(|s| s.split_matmuls += 1);
}

/// A split value was joined whole on every rank (an operation that has no split
/// form needed all of it).
pub fn record_join() {
    count(|s| s.joins += 1);
}

/// A split value was joined whole on every rank to be printed in full, or
/// written to a text or image file.
pub fn record_output_gather() {
    count(|s| s.output_gathers += 1);
}

/// A value's rows were dealt out to new owners (into or out of a cyclic
/// placement) by one all-to-all.
pub fn record_placement() {
    count(|s| s.placements += 1);
}

/// A scatter by index wrote into a split value, each rank its own rows.
pub fn record_split_scatter() {
    count(|s| s.split_scatters += 1);
}

/// A boolean mask selected from a split value, each rank from its own rows.
pub fn record_split_mask() {
    count(|s| s.split_masks += 1);
}

/// An indexed assignment wrote into its array's own buffer.
pub fn record_in_place_update() {
    count(|s| s.in_place_updates += 1);
}

/// What ran so far on this rank.
#[derive(Clone, Default)]
pub struct Summary {
    pub parse: Duration,
    pub compute: Duration,
    pub optimize: Duration,
    pub plans: u64,
    pub kernels: u64,
    pub split_plans: u64,
    pub split_files: u64,
    pub split_gathers: u64,
    pub split_sorts: u64,
    pub split_matmuls: u64,
    pub joins: u64,
    pub output_gathers: u64,
    pub placements: u64,
    pub split_scatters: u64,
    pub split_masks: u64,
    pub in_place_updates: u64,
    pub one_pass_products: u64,
}

pub fn summary() -> Summary {
    SO_FAR.with(|s| s.borrow().clone())
}
