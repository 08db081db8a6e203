//! Sums down the columns of a C-contiguous array: `sum(m, axis=0)` and every
//! reduction over a run of axes followed by kept ones. Gathering each column
//! into a row first (a transposed copy, then one pairwise sum per column) reads
//! memory with a stride and was 40 times slower than NumPy; here whole rows are
//! added into a block of column accumulators, at memory speed.
//!
//! Fused kernels ending in such a sum (`sum(a * b, axis=0)`) supply their rows
//! the same way, computed a row segment at a time.
//!
//! The result is bit for bit the pairwise sum of each column
//! (`sum::pairwise_sum`): the same tree, with each leaf's eight running sums
//! kept per column, so a sum does not depend on the axis order it is computed in
//! or on `--no-opt`.

use rayon::prelude::*;

use crate::num::sum::BLOCK;

/// Columns one task sums at a time: eight running sums of this many columns fit
/// in the L1 cache.
const COLUMNS: usize = 512;

/// Rows of `outer` stacked matrices of `rows` × `cols`, in C order: computed
/// data, or a fused kernel computing them.
pub trait RowSource: Sync {
    /// `[outer, rows, cols]`.
    fn shape(&self) -> [usize; 3];
    /// Calls `f` with columns `first..first + width` of row `r` of matrix `o`
    /// (`scratch`, `width` long, is there to compute them into).
    fn with_row<F: FnOnce(&[f64])>(&self, o: usize, r: usize, first: usize, scratch: &mut [f64], f: F);
}

/// An array seen as `outer` stacked matrices of `rows` × `cols`, C order.
#[derive(Clone, Copy)]
pub struct Columns<'a> {
    pub data: &'a [f64],
    pub outer: usize,
    pub rows: usize,
    pub cols: usize,
}

impl<'a> Columns<'a> {
    /// Columns `first..first + width` of row `r` of matrix `o`.
    fn row(&self, o: usize, r: usize, first: usize, width: usize) -> &'a [f64] {
        let start = (o * self.rows + r) * self.cols + first;
        &self.data[start..start + width]
    }
}

impl RowSource for Columns<'_> {
    fn shape(&self) -> [usize; 3] {
        [self.outer, self.rows, self.cols]
    }
    fn with_row<F: FnOnce(&[f64])>(&self, o: usize, r: usize, first: usize, scratch: &mut [f64], f: F) {
        f(self.row(o, r, first, scratch.len()))
    }
}

/// The squared deviations of `data` from `means` (one per column of each
/// matrix, as `column_sums` orders its results): what a variance sums.
pub struct Deviations<'a> {
    pub data: Columns<'a>,
    pub means: &'a [f64],
}

impl RowSource for Deviations<'_> {
    fn shape(&self) -> [usize; 3] {
        self.data.shape()
    }
    fn with_row<F: FnOnce(&[f64])>(&self, o: usize, r: usize, first: usize, scratch: &mut [f64], f: F) {
        let means = &self.means[o * self.data.cols + first..];
        let row = self.data.row(o, r, first, scratch.len());
        scratch.iter_mut().zip(row).zip(means).for_each(|((d, &x), &m)| *d = (x - m) * (x - m));
        f(scratch)
    }
}

/// The pairwise sum of every column of every matrix: `outer * cols` results,
/// matrix after matrix.
pub fn column_sums(source: &impl RowSource) -> Vec<f64> {
    let [outer, rows, cols] = source.shape();
    let mut out = vec![0.0; outer * cols];
    if cols == 0 {
        return out;
    }
    out.par_chunks_mut(cols).enumerate().for_each(|(o, sums)| {
        sums.par_chunks_mut(COLUMNS).enumerate().for_each(|(b, sums)| {
            let mut block = Block { source, o, first: b * COLUMNS, scratch: vec![0.0; sums.len()] };
            block.tree(0, rows, sums);
        });
    });
    out
}

/// Columns `first..first + out.len()` of matrix `o`.
struct Block<'a, S> {
    source: &'a S,
    o: usize,
    first: usize,
    scratch: Vec<f64>,
}

impl<S: RowSource> Block<'_, S> {
    fn with_row(&mut self, r: usize, f: impl FnOnce(&[f64])) {
        self.source.with_row(self.o, r, self.first, &mut self.scratch, f)
    }

    /// `sum::pairwise_tree` over rows `start..start + n`, one column per lane.
    fn tree(&mut self, start: usize, n: usize, out: &mut [f64]) {
        if n <= BLOCK {
            return self.leaf(start, n, out);
        }
        let mut half = n / 2;
        half -= half % 8;
        self.tree(start, half, out);
        let mut right = vec![0.0; out.len()];
        self.tree(start + half, n - half, &mut right);
        out.iter_mut().zip(&right).for_each(|(l, r)| *l += r);
    }

    /// `sum::leaf_sum` of rows `start..start + n` (at most `BLOCK`), per column.
    fn leaf(&mut self, start: usize, n: usize, out: &mut [f64]) {
        let add = |sums: &mut [f64], row: &[f64]| sums.iter_mut().zip(row).for_each(|(s, x)| *s += x);
        let width = out.len();
        if n < 8 {
            out.fill(0.0);
            for r in start..start + n {
                self.with_row(r, |row| add(out, row));
            }
            return;
        }
        let mut lanes = [[0.0f64; COLUMNS]; 8];
        for (k, lane) in lanes.iter_mut().enumerate() {
            self.with_row(start + k, |row| lane[..width].copy_from_slice(row));
        }
        let mut i = 8;
        while i < n - (n % 8) {
            for (k, lane) in lanes.iter_mut().enumerate() {
                self.with_row(start + i + k, |row| add(&mut lane[..width], row));
            }
            i += 8;
        }
        for (j, o) in out.iter_mut().enumerate() {
            let r = |k: usize| lanes[k][j];
            *o = ((r(0) + r(1)) + (r(2) + r(3))) + ((r(4) + r(5)) + (r(6) + r(7)));
        }
        for r in start + i..start + n {
            self.with_row(r, |row| add(out, row));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::sum::pairwise_sum;

    #[test]
    fn each_column_is_its_pairwise_sum_bit_for_bit() {
        // Values whose sum depends on the order of additions; row counts on
        // both sides of the leaf and tree boundaries, column counts on both
        // sides of a block.
        for (outer, rows, cols) in [(1, 2000, 3), (2, 7, 5), (1, 8, 1), (3, 129, 600), (1, 1000, 1030), (1, 0, 4)] {
            let data: Vec<f64> = (0..outer * rows * cols)
                .map(|i| {
                    (1.0 / (i as f64 + 1.0)) * if i % 7 == 0 { 1e9 } else { 1.0 } * if i % 3 == 0 { -1.0 } else { 1.0 }
                })
                .collect();
            let sums = column_sums(&Columns { data: &data, outer, rows, cols });
            for o in 0..outer {
                for c in 0..cols {
                    let column: Vec<f64> = (0..rows).map(|r| data[(o * rows + r) * cols + c]).collect();
                    assert_eq!(sums[o * cols + c].to_bits(), pairwise_sum(&column).to_bits(), "{outer}x{rows}x{cols}");
                }
            }
        }
    }
}
