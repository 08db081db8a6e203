//! Pairwise summation, the same blocking as NumPy's, so float sums are at least as
//! accurate as NumPy's (error growing with log n, not n).

/// The longest leaf of the pairwise tree.
pub const BLOCK: usize = 128;

pub fn pairwise_sum(a: &[f64]) -> f64 {
    if a.len() <= BLOCK {
        return leaf_sum(a);
    }
    pairwise_tree(0, a.len(), BLOCK, &mut |start, n| leaf_sum(&a[start..start + n]))
}

/// The pairwise tree over `start..start + n`: halves (rounded down to a multiple
/// of 8) are summed separately down to leaves of at most `BLOCK` elements, each
/// summed by `leaf_sum`. Every pairwise sum in darr follows this one tree, so
/// sums computed in different ways agree bit for bit.
///
/// The recursion stops at subtrees of at most `max` (≥ `BLOCK`) elements and
/// hands each to `subtree(start, n)`, which must sum it as `pairwise_sum` would.
pub fn pairwise_tree(start: usize, n: usize, max: usize, subtree: &mut impl FnMut(usize, usize) -> f64) -> f64 {
    if n <= max {
        subtree(start, n)
    } else {
        let mut half = n / 2;
        half -= half % 8;
        pairwise_tree(start, half, max, subtree) + pairwise_tree(start + half, n - half, max, subtree)
    }
}

/// One leaf: eight running sums, as NumPy's, for up to `BLOCK` values (the
/// whole pairwise sum of so few).
#[inline(always)]
pub fn leaf_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &x in a {
            res += x;
        }
        return res;
    }
    let mut r = [0.0; 8];
    r.copy_from_slice(&a[..8]);
    let mut i = 8;
    while i < n - (n % 8) {
        for j in 0..8 {
            r[j] += a[i + j];
        }
        i += 8;
    }
    let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for &x in &a[i..] {
        res += x;
    }
    res
}

/// Subtrees at least this long are summed on two threads.
const PARALLEL: usize = 1 << 16;

/// `pairwise_sum` with its upper subtrees summed in parallel: the same tree, so
/// the same bits, for any thread count.
pub fn pairwise_sum_parallel(a: &[f64]) -> f64 {
    let n = a.len();
    if n < PARALLEL {
        return pairwise_sum(a);
    }
    let mut half = n / 2;
    half -= half % 8;
    let (left, right) = rayon::join(|| pairwise_sum_parallel(&a[..half]), || pairwise_sum_parallel(&a[half..]));
    left + right
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_is_accurate() {
        let v = vec![0.1; 1_000_000];
        let s = pairwise_sum(&v);
        assert!((s - 100000.0).abs() < 1e-9, "{s}");
        assert_eq!(pairwise_sum(&[1.0, 2.0, 3.0]), 6.0);
        assert_eq!(pairwise_sum(&[]), 0.0);
    }

    #[test]
    fn the_parallel_sum_follows_the_same_tree() {
        // Values whose sum depends on the order of additions.
        let v: Vec<f64> = (0..1_000_003).map(|i| 1.0 / (i as f64 + 1.0) * if i % 3 == 0 { 1e8 } else { 1.0 }).collect();
        assert_eq!(pairwise_sum_parallel(&v).to_bits(), pairwise_sum(&v).to_bits());
    }
}
