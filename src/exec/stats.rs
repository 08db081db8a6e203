//! Counters for `--time`: how long optimization took and how much ran.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

static PARSE_NANOS: AtomicU64 = AtomicU64::new(0);
static COMPUTE_NANOS: AtomicU64 = AtomicU64::new(0);
static OPTIMIZE_NANOS: AtomicU64 = AtomicU64::new(0);
static PLANS: AtomicU64 = AtomicU64::new(0);
static KERNELS: AtomicU64 = AtomicU64::new(0);
static SPLIT_PLANS: AtomicU64 = AtomicU64::new(0);
static SPLIT_FILES: AtomicU64 = AtomicU64::new(0);
static SPLIT_GATHERS: AtomicU64 = AtomicU64::new(0);
static SPLIT_SORTS: AtomicU64 = AtomicU64::new(0);
static SPLIT_MATMULS: AtomicU64 = AtomicU64::new(0);
static JOINS: AtomicU64 = AtomicU64::new(0);
static PLACEMENTS: AtomicU64 = AtomicU64::new(0);
static SPLIT_SCATTERS: AtomicU64 = AtomicU64::new(0);
static SPLIT_MASKS: AtomicU64 = AtomicU64::new(0);
static IN_PLACE_UPDATES: AtomicU64 = AtomicU64::new(0);

pub fn record_optimize(spent: Duration) {
    OPTIMIZE_NANOS.fetch_add(spent.as_nanos() as u64, Ordering::Relaxed);
    PLANS.fetch_add(1, Ordering::Relaxed);
}

pub fn record_parse(spent: Duration) {
    PARSE_NANOS.fetch_add(spent.as_nanos() as u64, Ordering::Relaxed);
}

/// Time spent running plans (outermost plans only; nested ones are inside).
pub fn record_compute(spent: Duration) {
    COMPUTE_NANOS.fetch_add(spent.as_nanos() as u64, Ordering::Relaxed);
}

pub fn record_kernel() {
    KERNELS.fetch_add(1, Ordering::Relaxed);
}

/// A plan ran split over the ranks of an MPI job.
pub fn record_split_plan() {
    SPLIT_PLANS.fetch_add(1, Ordering::Relaxed);
}

/// A `.npy` file was read or written in parts, each rank its own rows.
pub fn record_split_file() {
    SPLIT_FILES.fetch_add(1, Ordering::Relaxed);
}

/// A gather by index read a split value, asking each row of its owner.
pub fn record_split_gather() {
    SPLIT_GATHERS.fetch_add(1, Ordering::Relaxed);
}

/// A split 1-D value was sorted by sample sort.
pub fn record_split_sort() {
    SPLIT_SORTS.fetch_add(1, Ordering::Relaxed);
}

/// A matrix product computed this rank's rows of a split result.
pub fn record_split_matmul() {
    SPLIT_MATMULS.fetch_add(1, Ordering::Relaxed);
}

/// A split value was joined whole on every rank (an operation that has no split
/// form needed all of it).
pub fn record_join() {
    JOINS.fetch_add(1, Ordering::Relaxed);
}

/// A value's rows were dealt out to new owners (into or out of a cyclic
/// placement) by one all-to-all.
pub fn record_placement() {
    PLACEMENTS.fetch_add(1, Ordering::Relaxed);
}

/// A scatter by index wrote into a split value, each rank its own rows.
pub fn record_split_scatter() {
    SPLIT_SCATTERS.fetch_add(1, Ordering::Relaxed);
}

/// A boolean mask selected from a split value, each rank from its own rows.
pub fn record_split_mask() {
    SPLIT_MASKS.fetch_add(1, Ordering::Relaxed);
}

/// An indexed assignment wrote into its array's own buffer.
pub fn record_in_place_update() {
    IN_PLACE_UPDATES.fetch_add(1, Ordering::Relaxed);
}

/// What ran so far.
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
    pub placements: u64,
    pub split_scatters: u64,
    pub split_masks: u64,
    pub in_place_updates: u64,
}

pub fn summary() -> Summary {
    Summary {
        parse: Duration::from_nanos(PARSE_NANOS.load(Ordering::Relaxed)),
        compute: Duration::from_nanos(COMPUTE_NANOS.load(Ordering::Relaxed)),
        optimize: Duration::from_nanos(OPTIMIZE_NANOS.load(Ordering::Relaxed)),
        plans: PLANS.load(Ordering::Relaxed),
        kernels: KERNELS.load(Ordering::Relaxed),
        split_plans: SPLIT_PLANS.load(Ordering::Relaxed),
        split_files: SPLIT_FILES.load(Ordering::Relaxed),
        split_gathers: SPLIT_GATHERS.load(Ordering::Relaxed),
        split_sorts: SPLIT_SORTS.load(Ordering::Relaxed),
        split_matmuls: SPLIT_MATMULS.load(Ordering::Relaxed),
        joins: JOINS.load(Ordering::Relaxed),
        placements: PLACEMENTS.load(Ordering::Relaxed),
        split_scatters: SPLIT_SCATTERS.load(Ordering::Relaxed),
        split_masks: SPLIT_MASKS.load(Ordering::Relaxed),
        in_place_updates: IN_PLACE_UPDATES.load(Ordering::Relaxed),
    }
}
