//! Dense linear algebra on small and medium float64 matrices: LU with partial
//! pivoting, Cholesky, Householder QR. Row-major `Vec<f64>` in, results out;
//! failures (a singular matrix) are returned as messages for the caller's span.

/// A square matrix factored as `P A = L U`, stored in place.
pub struct Lu {
    n: usize,
    lu: Vec<f64>,
    pivots: Vec<usize>,
    swaps: usize,
}

pub fn lu(a: &[f64], n: usize) -> Result<Lu, String> {
    let mut lu = a.to_vec();
    let mut pivots: Vec<usize> = (0..n).collect();
    let mut swaps = 0;
    let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(f64::MIN_POSITIVE);
    for col in 0..n {
        let pivot =
            (col..n).max_by(|&i, &j| lu[i * n + col].abs().total_cmp(&lu[j * n + col].abs())).expect("non-empty range");
        if lu[pivot * n + col].abs() <= scale * 1e-15 * n as f64 {
            return Err("the matrix is singular".to_string());
        }
        if pivot != col {
            for k in 0..n {
                lu.swap(col * n + k, pivot * n + k);
            }
            pivots.swap(col, pivot);
            swaps += 1;
        }
        let d = lu[col * n + col];
        for row in col + 1..n {
            let f = lu[row * n + col] / d;
            lu[row * n + col] = f;
            for k in col + 1..n {
                lu[row * n + k] -= f * lu[col * n + k];
            }
        }
    }
    Ok(Lu { n, lu, pivots, swaps })
}

impl Lu {
    pub fn det(&self) -> f64 {
        let sign = if self.swaps.is_multiple_of(2) { 1.0 } else { -1.0 };
        (0..self.n).map(|i| self.lu[i * self.n + i]).product::<f64>() * sign
    }

    /// Solves `A x = b` for each of the `cols` columns of `b` (row-major n × cols).
    pub fn solve(&self, b: &[f64], cols: usize) -> Vec<f64> {
        let n = self.n;
        let mut x = vec![0.0; n * cols];
        for c in 0..cols {
            let mut y: Vec<f64> = (0..n).map(|i| b[self.pivots[i] * cols + c]).collect();
            for i in 0..n {
                for k in 0..i {
                    y[i] -= self.lu[i * n + k] * y[k];
                }
            }
            for i in (0..n).rev() {
                for k in i + 1..n {
                    y[i] -= self.lu[i * n + k] * y[k];
                }
                y[i] /= self.lu[i * n + i];
            }
            for i in 0..n {
                x[i * cols + c] = y[i];
            }
        }
        x
    }
}

/// The determinant, 0.0 for a singular matrix.
pub fn det(a: &[f64], n: usize) -> f64 {
    lu(a, n).map(|f| f.det()).unwrap_or(0.0)
}

/// Lower-triangular `L` with `A = L Lᵀ`.
pub fn cholesky(a: &[f64], n: usize) -> Result<Vec<f64>, String> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
            if i == j {
                let d = a[i * n + i] - s;
                if d <= 0.0 || !d.is_finite() {
                    return Err("the matrix is not positive definite".to_string());
                }
                l[i * n + j] = d.sqrt();
            } else {
                l[i * n + j] = (a[i * n + j] - s) / l[j * n + j];
            }
        }
    }
    Ok(l)
}

/// Reduced QR of an m × n matrix (m >= n or not): `Q` is m × k, `R` is k × n,
/// with k = min(m, n), by Householder reflections.
pub fn qr(a: &[f64], m: usize, n: usize) -> (Vec<f64>, Vec<f64>) {
    let k = m.min(n);
    let mut r = a.to_vec();
    let mut reflectors: Vec<Vec<f64>> = Vec::with_capacity(k);
    for j in 0..k {
        let norm = (j..m).map(|i| r[i * n + j] * r[i * n + j]).sum::<f64>().sqrt();
        let mut v: Vec<f64> = (j..m).map(|i| r[i * n + j]).collect();
        let alpha = if v[0] >= 0.0 { -norm } else { norm };
        v[0] -= alpha;
        let vnorm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if vnorm > 0.0 {
            v.iter_mut().for_each(|x| *x /= vnorm);
            for c in 0..n {
                let d: f64 = (j..m).map(|i| v[i - j] * r[i * n + c]).sum();
                for i in j..m {
                    r[i * n + c] -= 2.0 * v[i - j] * d;
                }
            }
        }
        reflectors.push(v);
    }
    // Q = H0 H1 ... applied to the first k columns of the identity.
    let mut q = vec![0.0; m * k];
    for i in 0..k {
        q[i * k + i] = 1.0;
    }
    for j in (0..k).rev() {
        let v = &reflectors[j];
        for c in 0..k {
            let d: f64 = (j..m).map(|i| v[i - j] * q[i * k + c]).sum();
            for i in j..m {
                q[i * k + c] -= 2.0 * v[i - j] * d;
            }
        }
    }
    let r_reduced: Vec<f64> = (0..k)
        .flat_map(|i| (0..n).map(move |c| (i, c)))
        .map(|(i, c)| if c >= i { r[i * n + c] } else { 0.0 })
        .collect();
    (q, r_reduced)
}

/// Least squares `min |A x - b|` for a full-column-rank m × n `A` (m >= n), via QR.
pub fn lstsq(a: &[f64], m: usize, n: usize, b: &[f64], cols: usize) -> Result<Vec<f64>, String> {
    if m < n {
        return Err(format!("least squares needs at least as many rows as columns, not {m} × {n}"));
    }
    let (q, r) = qr(a, m, n);
    let scale = r.iter().fold(0.0f64, |acc, v| acc.max(v.abs())).max(f64::MIN_POSITIVE);
    if (0..n).any(|i| r[i * n + i].abs() <= scale * 1e-14) {
        return Err("the matrix does not have full column rank".to_string());
    }
    let mut x = vec![0.0; n * cols];
    for c in 0..cols {
        let mut y: Vec<f64> = (0..n).map(|i| (0..m).map(|row| q[row * n + i] * b[row * cols + c]).sum()).collect();
        for i in (0..n).rev() {
            for k in i + 1..n {
                y[i] -= r[i * n + k] * y[k];
            }
            y[i] /= r[i * n + i];
        }
        for i in 0..n {
            x[i * cols + c] = y[i];
        }
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lu_solves_and_finds_determinants() {
        let a = [4.0, 1.0, 0.0, 1.0, 3.0, 1.0, 0.0, 1.0, 2.0];
        let f = lu(&a, 3).unwrap();
        assert!((f.det() - 18.0).abs() < 1e-12);
        let x = f.solve(&[1.0, 2.0, 3.0], 1);
        assert!((x[0] - 2.0 / 9.0).abs() < 1e-12 && (x[2] - 13.0 / 9.0).abs() < 1e-12);
        assert!(lu(&[1.0, 2.0, 2.0, 4.0], 2).is_err());
    }

    #[test]
    fn qr_reconstructs() {
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let (q, r) = qr(&a, 3, 2);
        for i in 0..3 {
            for j in 0..2 {
                let v: f64 = (0..2).map(|k| q[i * 2 + k] * r[k * 2 + j]).sum();
                assert!((v - a[i * 2 + j]).abs() < 1e-12);
            }
        }
    }
}
