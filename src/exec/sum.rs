//! Pairwise summation, the same blocking as NumPy's, so float sums are at least as
//! accurate as NumPy's (error growing with log n, not n).

const BLOCK: usize = 128;

pub fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &x in a {
            res += x;
        }
        res
    } else if n <= BLOCK {
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
    } else {
        let mut half = n / 2;
        half -= half % 8;
        pairwise_sum(&a[..half]) + pairwise_sum(&a[half..])
    }
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
