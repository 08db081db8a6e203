//! How an array's elements are placed over the ranks of a job (spec section 10):
//! one distribution code per axis, and a process grid with one extent per axis
//! (1 for an axis that is not distributed) whose product is the number of ranks.

use std::fmt::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AxisDist {
    /// Contiguous chunks (`"b"`).
    Block,
    /// Round robin of single elements (`"c"`).
    Cyclic,
    /// Round robin of blocks of this size (`"bc"` with `block=`).
    BlockCyclic(usize),
    /// Not distributed (`"n"`).
    None,
}

impl AxisDist {
    pub fn code(&self) -> &'static str {
        match self {
            AxisDist::Block => "b",
            AxisDist::Cyclic => "c",
            AxisDist::BlockCyclic(_) => "bc",
            AxisDist::None => "n",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Layout {
    pub axes: Vec<AxisDist>,
    /// The process grid: ranks along each axis (1 where the axis is whole).
    pub grid: Vec<usize>,
}

impl Layout {
    /// The default for an array of `ndim` axes over `nranks` ranks: the first axis
    /// in blocks, the others whole; a 0-d array is replicated.
    pub fn default_for(ndim: usize, nranks: usize) -> Layout {
        let axes: Vec<AxisDist> = (0..ndim).map(|i| if i == 0 { AxisDist::Block } else { AxisDist::None }).collect();
        let grid = (0..ndim).map(|i| if i == 0 { nranks } else { 1 }).collect();
        Layout { axes, grid }
    }

    /// `default_for(ndim, nranks)`, shared: nearly every node has it, and
    /// making one costs two allocations.
    pub fn default_shared(ndim: usize, nranks: usize) -> std::rc::Rc<Layout> {
        type Made = Vec<((usize, usize), std::rc::Rc<Layout>)>;
        thread_local! {
            static DEFAULTS: std::cell::RefCell<Made> = const { std::cell::RefCell::new(Vec::new()) };
        }
        DEFAULTS.with(|cell| {
            let mut defaults = cell.borrow_mut();
            if let Some((_, found)) = defaults.iter().find(|(key, _)| *key == (ndim, nranks)) {
                return found.clone();
            }
            let made = std::rc::Rc::new(Layout::default_for(ndim, nranks));
            defaults.push(((ndim, nranks), made.clone()));
            made
        })
    }

    /// Every element on every rank.
    pub fn replicated(ndim: usize) -> Layout {
        Layout { axes: vec![AxisDist::None; ndim], grid: vec![1; ndim] }
    }

    /// Whether no axis is distributed.
    pub fn is_replicated(&self) -> bool {
        self.axes.iter().all(|a| *a == AxisDist::None)
    }

    /// The layout that `dist=` codes (one per axis), `block=` and `grid=` ask for.
    /// The error says what is wrong, for a `darr::dist` diagnostic.
    pub fn from_codes(
        codes: &[String],
        block: Option<usize>,
        grid: Option<&[usize]>,
        ndim: usize,
        nranks: usize,
    ) -> Result<Layout, String> {
        if codes.len() != ndim {
            let example = (0..ndim).map(|i| if i == 0 { "\"b\"" } else { "\"n\"" }).collect::<Vec<_>>().join(", ");
            return Err(format!(
                "dist= needs one code per axis: {ndim} for this {ndim}-d array, e.g. ({example}{}), not {}",
                if ndim == 1 { "," } else { "" },
                codes.len()
            ));
        }
        let mut axes = Vec::with_capacity(ndim);
        for code in codes {
            axes.push(match code.as_str() {
                "b" => AxisDist::Block,
                "c" => AxisDist::Cyclic,
                "bc" => match block {
                    Some(size) if size >= 1 => AxisDist::BlockCyclic(size),
                    Some(_) => return Err("block= must be at least 1".to_string()),
                    None => return Err("the block-cyclic code \"bc\" needs block=SIZE".to_string()),
                },
                "n" => AxisDist::None,
                other => return Err(format!("unknown distribution code {other:?}")),
            });
        }
        if block.is_some() && !axes.iter().any(|a| matches!(a, AxisDist::BlockCyclic(_))) {
            return Err("block= applies only to block-cyclic axes (code \"bc\")".to_string());
        }
        let distributed = axes.iter().filter(|a| **a != AxisDist::None).count();
        let extents = match grid {
            Some(g) => {
                if g.len() != distributed {
                    return Err(format!("grid= needs one extent per distributed axis: {distributed}, not {}", g.len()));
                }
                let product: usize = g.iter().product();
                if product != nranks || g.contains(&0) {
                    return Err(format!("the process grid {g:?} has {product} places for {nranks} ranks"));
                }
                g.to_vec()
            }
            None => balanced_grid(nranks, distributed),
        };
        if distributed == 0 {
            return Ok(Layout::replicated(ndim));
        }
        let mut next = extents.into_iter();
        let grid = axes.iter().map(|a| if *a == AxisDist::None { 1 } else { next.next().unwrap_or(1) }).collect();
        Ok(Layout { axes, grid })
    }

    /// This rank's place in the process grid (row-major over the axes).
    pub fn coords(&self, rank: usize) -> Vec<usize> {
        let mut rest = rank;
        let mut coords = vec![0; self.grid.len()];
        for (c, &g) in coords.iter_mut().zip(&self.grid).rev() {
            *c = rest % g.max(1);
            rest /= g.max(1);
        }
        coords
    }

    /// The index ranges along each axis that rank `rank` holds of a value of
    /// `shape` (it holds the elements of their product).
    pub fn held(&self, shape: &[usize], rank: usize) -> Vec<Vec<(usize, usize)>> {
        let coords = self.coords(rank);
        let dealt = |n: usize, block: usize, axis: usize| -> Vec<(usize, usize)> {
            let step = block * self.grid[axis].max(1);
            (coords[axis] * block..n).step_by(step.max(1)).map(|start| (start, (start + block).min(n))).collect()
        };
        shape
            .iter()
            .enumerate()
            .map(|(axis, &n)| match self.axes[axis] {
                AxisDist::None => vec![(0, n)],
                AxisDist::Block => vec![block_range(n, self.grid[axis], coords[axis])],
                AxisDist::Cyclic => dealt(n, 1, axis),
                AxisDist::BlockCyclic(b) => dealt(n, b.max(1), axis),
            })
            .collect()
    }

    /// `dist(a)`: per axis, in the spirit of the Distributed Array Protocol's
    /// `dim_data`, the distribution type, the axis length, the grid extent, this
    /// rank's grid coordinate and the indices it holds.
    pub fn describe(&self, shape: &[usize], rank: usize) -> String {
        let coords = self.coords(rank);
        let mut dims = Vec::new();
        for (axis, dist) in self.axes.iter().enumerate() {
            let (size, p, c) = (shape[axis], self.grid[axis], coords[axis]);
            let mut d = format!("{{'dist_type': '{}', 'size': {size}", dist.code());
            match dist {
                AxisDist::None => {}
                AxisDist::Block => {
                    let (start, stop) = block_range(size, p, c);
                    let _ =
                        write!(d, ", 'proc_grid_size': {p}, 'proc_grid_rank': {c}, 'start': {start}, 'stop': {stop}");
                }
                AxisDist::Cyclic => {
                    let _ = write!(d, ", 'proc_grid_size': {p}, 'proc_grid_rank': {c}, 'start': {}", c.min(size));
                }
                AxisDist::BlockCyclic(b) => {
                    let _ = write!(
                        d,
                        ", 'proc_grid_size': {p}, 'proc_grid_rank': {c}, 'start': {}, 'block_size': {b}",
                        (c * b).min(size)
                    );
                }
            }
            d.push('}');
            dims.push(d);
        }
        match dims.len() {
            1 => format!("({},)", dims[0]),
            _ => format!("({})", dims.join(", ")),
        }
    }
}

/// The indices `[start, stop)` that part `c` of `p` holds of an axis of length
/// `n` in blocks: the first `n % p` parts hold one more.
pub fn block_range(n: usize, p: usize, c: usize) -> (usize, usize) {
    let (base, extra) = (n / p.max(1), n % p.max(1));
    let start = c * base + c.min(extra);
    (start, start + base + usize::from(c < extra))
}

/// The part `c` of `p` whose `block_range` over `n` holds index `i < n`.
pub fn block_owner(i: usize, n: usize, p: usize) -> usize {
    // Blocks differ in length by at most one: start from the even guess.
    let mut c = (i * p / n.max(1)).min(p.max(1) - 1);
    while block_range(n, p, c).0 > i {
        c -= 1;
    }
    while block_range(n, p, c).1 <= i {
        c += 1;
    }
    c
}

/// `nranks` factored over `axes` extents as evenly as possible, largest first (as
/// `MPI_Dims_create` and the DistArray convention do).
pub fn balanced_grid(nranks: usize, axes: usize) -> Vec<usize> {
    if axes == 0 {
        return Vec::new();
    }
    let mut factors = Vec::new();
    let (mut n, mut f) = (nranks.max(1), 2);
    while n > 1 {
        while n % f == 0 {
            factors.push(f);
            n /= f;
        }
        f += 1;
    }
    let mut grid = vec![1; axes];
    for f in factors.into_iter().rev() {
        let smallest = (0..axes).min_by_key(|&i| grid[i]).unwrap_or(0);
        grid[smallest] *= f;
    }
    grid.sort_unstable_by(|a, b| b.cmp(a));
    grid
}

/// Arrays created with fewer elements than this (`--replicate-below`) are made
/// whole on every rank, not split: splitting them saves microseconds of work
/// and costs an all-gather as soon as a rank needs all of one (the points of a
/// plot's axis broadcast over a grid, k-means' centres, a model's weights).
static REPLICATE_BELOW: AtomicUsize = AtomicUsize::new(1 << 14);

/// `--replicate-below N` (0: split every array the layout splits, as the
/// distributed tests do on small data).
pub fn set_replicate_below(elements: usize) {
    REPLICATE_BELOW.store(elements, Ordering::Relaxed);
}

/// Whether a value of this shape is small enough to be replicated.
pub fn replicated_when_small(shape: &[usize]) -> bool {
    shape.iter().product::<usize>() < REPLICATE_BELOW.load(Ordering::Relaxed)
}

/// Whether a value made from nothing split (created, or computed from values
/// every rank holds whole) is split: its layout splits it and it is not small.
pub fn splits_when_made(shape: &[usize], layout: &Layout) -> bool {
    splits(shape, layout) && !replicated_when_small(shape)
}

/// Whether values of this shape and layout are split by rows: the default layout
/// (first axis in blocks, the rest whole) of an array with at least one axis, on
/// more than one rank.
pub fn splits(shape: &[usize], layout: &Layout) -> bool {
    super::nranks() > 1 && !shape.is_empty() && *layout == *Layout::default_shared(shape.len(), super::nranks())
}

/// The block size of a layout that deals out the first axis cyclically (the other
/// axes whole), when there is more than one rank.
pub fn cycle_of(shape: &[usize], layout: &Layout) -> Option<usize> {
    if super::nranks() < 2 || shape.is_empty() || layout.axes[1..].iter().any(|a| *a != AxisDist::None) {
        return None;
    }
    match layout.axes[0] {
        AxisDist::Cyclic => Some(1),
        AxisDist::BlockCyclic(b) => Some(b),
        _ => None,
    }
}

/// Whether values of this shape and layout are held in tiles: on more than one
/// rank, every axis in blocks or whole, some axis distributed, and not the
/// default layout (the first axis alone in blocks, which is held by rows).
pub fn tiles(shape: &[usize], layout: &Layout) -> bool {
    super::nranks() > 1
        && !shape.is_empty()
        && layout.axes.iter().all(|a| matches!(a, AxisDist::Block | AxisDist::None))
        && !layout.is_replicated()
        && !splits(shape, layout)
}

/// How many elements each rank sends when a value of `shape` moves from layout
/// `from` to `to` on `size` ranks: those it holds that another rank holds in `to`
/// (every element is held by one rank, unless `from` is replicated, when every
/// rank already has what it needs).
pub fn elements_moved(shape: &[usize], from: &Layout, to: &Layout, size: usize) -> Vec<usize> {
    if from.is_replicated() {
        return vec![0; size];
    }
    let overlap = |a: &[(usize, usize)], b: &[(usize, usize)]| -> usize {
        // Both lists are sorted and disjoint: one merge.
        let (mut i, mut j, mut total) = (0, 0, 0);
        while i < a.len() && j < b.len() {
            total += a[i].1.min(b[j].1).saturating_sub(a[i].0.max(b[j].0));
            if a[i].1 < b[j].1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        total
    };
    let held_to: Vec<_> = (0..size).map(|q| to.held(shape, q)).collect();
    (0..size)
        .map(|me| {
            let mine = from.held(shape, me);
            (0..size)
                .filter(|&q| q != me)
                .map(|q| mine.iter().zip(&held_to[q]).map(|(a, b)| overlap(a, b)).product::<usize>())
                .sum()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_factor_the_ranks_evenly() {
        assert_eq!(balanced_grid(4, 2), vec![2, 2]);
        assert_eq!(balanced_grid(12, 2), vec![4, 3]);
        assert_eq!(balanced_grid(3, 2), vec![3, 1]);
        assert_eq!(balanced_grid(8, 3), vec![2, 2, 2]);
        assert_eq!(balanced_grid(1, 2), vec![1, 1]);
    }

    #[test]
    fn blocks_cover_the_axis_once() {
        for n in 0..20 {
            for p in 1..6 {
                let mut next = 0;
                for c in 0..p {
                    let (start, stop) = block_range(n, p, c);
                    assert_eq!(start, next);
                    next = stop;
                }
                assert_eq!(next, n);
            }
        }
    }

    #[test]
    fn moves_count_the_elements_that_change_owner() {
        let codes = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let rows = Layout::default_for(2, 2);
        // 10 rows in blocks of 5: rank 0 holds 0..5, rank 1 5..10; cyclic: evens
        // and odds. Rank 0 sends its odd rows (1, 3), rank 1 its even ones (6, 8);
        // 3 columns each.
        let cyclic = Layout::from_codes(&codes(&["c", "n"]), None, None, 2, 2).unwrap();
        assert_eq!(elements_moved(&[10, 3], &rows, &cyclic, 2), [6, 6]);
        assert_eq!(elements_moved(&[10, 3], &cyclic, &rows, 2), [6, 6]);
        assert_eq!(elements_moved(&[10, 3], &rows, &rows, 2), [0, 0]);
        // Rows to columns: each rank keeps the quarter it holds in both.
        let columns = Layout::from_codes(&codes(&["n", "b"]), None, None, 2, 2).unwrap();
        assert_eq!(elements_moved(&[4, 4], &rows, &columns, 2), [4, 4]);
        // Block-cyclic in blocks of 2 over 3 ranks: rank 0 holds 0..2 and 6..8.
        let bc = Layout::from_codes(&codes(&["bc"]), Some(2), None, 1, 3).unwrap();
        assert_eq!(bc.held(&[8], 0), [vec![(0, 2), (6, 8)]]);
    }

    #[test]
    fn codes_are_checked() {
        let codes = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let l = Layout::from_codes(&codes(&["b", "b"]), None, None, 2, 4).unwrap();
        assert_eq!(l.grid, vec![2, 2]);
        assert_eq!(l.coords(3), vec![1, 1]);
        assert!(Layout::from_codes(&codes(&["b"]), None, None, 2, 4).is_err());
        assert!(Layout::from_codes(&codes(&["bc"]), None, None, 1, 4).is_err());
        assert!(Layout::from_codes(&codes(&["x"]), None, None, 1, 4).is_err());
        assert!(Layout::from_codes(&codes(&["b", "b"]), None, Some(&[3, 1]), 2, 4).is_err());
        let z = Layout::from_codes(&codes(&["n", "b"]), None, None, 2, 3).unwrap();
        assert_eq!(z.grid, vec![1, 3]);
        assert!(z.describe(&[7, 5], 2).contains("'start': 4, 'stop': 5"));
    }
}
