//! Where the elements of a view are: an offset and per-axis strides into the
//! buffer of the data it views, in elements. Pure arithmetic on shapes and views
//! (no data), shared by the kernels that read through views (`exec::kernel`) and
//! by the placement of split plans, which works out from it which rows of a split
//! input a rank's rows of a result read (`opt::distribute`).

use super::{SliceElem, View};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Strided {
    /// Offset of the element at index (0, ..., 0), in elements.
    pub offset: isize,
    pub shape: Vec<usize>,
    pub strides: Vec<isize>,
}

impl Strided {
    /// Data of `shape` laid out in C order, from offset 0.
    pub fn contiguous(shape: &[usize]) -> Strided {
        let mut strides = vec![0isize; shape.len()];
        let mut step = 1isize;
        for axis in (0..shape.len()).rev() {
            strides[axis] = step;
            step *= shape[axis].max(1) as isize;
        }
        Strided { offset: 0, shape: shape.to_vec(), strides }
    }

    /// Reads the data as rows `first..` of a value of `rows` rows along the first
    /// axis (a rank's part of a split value): indices stay those of the whole
    /// value, and only the rows the data holds may be read.
    pub fn rebase_rows(&mut self, first: usize, rows: usize) {
        self.offset -= first as isize * self.strides[0];
        self.shape[0] = rows;
    }

    /// The smallest and largest element offsets this source reads, or `None` when
    /// it reads nothing.
    pub fn offset_range(&self) -> Option<(isize, isize)> {
        if self.shape.contains(&0) {
            return None;
        }
        let (mut lo, mut hi) = (self.offset, self.offset);
        for (&n, &stride) in self.shape.iter().zip(&self.strides) {
            let reach = stride * (n as isize - 1);
            lo += reach.min(0);
            hi += reach.max(0);
        }
        Some((lo, hi))
    }

    /// Applies `view`; false when it cannot be expressed with strides (a reshape
    /// of data that is not laid out in order).
    pub fn apply(&mut self, view: &View) -> bool {
        match view {
            View::Slice(elems) => self.slice(elems),
            View::Transpose(perm) => {
                self.shape = perm.iter().map(|&p| self.shape[p]).collect();
                self.strides = perm.iter().map(|&p| self.strides[p]).collect();
            }
            View::BroadcastTo(target) => {
                let extra = target.len() - self.shape.len();
                let mut strides = vec![0isize; extra];
                for (axis, &stride) in self.strides.iter().enumerate() {
                    strides.push(if self.shape[axis] == target[extra + axis] { stride } else { 0 });
                }
                self.shape = target.clone();
                self.strides = strides;
            }
            View::Reshape(target) => match reshape_strides(&self.shape, &self.strides, target) {
                Some(strides) => {
                    self.shape = target.clone();
                    self.strides = strides;
                }
                None => return false,
            },
        }
        true
    }

    fn slice(&mut self, elems: &[SliceElem]) {
        let (mut shape, mut strides) = (Vec::new(), Vec::new());
        let mut axis = 0;
        for elem in elems {
            match *elem {
                SliceElem::Index(i) => {
                    self.offset += i as isize * self.strides[axis];
                    axis += 1;
                }
                SliceElem::Range { first, count, step } => {
                    if count > 0 {
                        self.offset += first as isize * self.strides[axis];
                    }
                    shape.push(count);
                    strides.push(self.strides[axis] * step);
                    axis += 1;
                }
                SliceElem::NewAxis => {
                    shape.push(1);
                    strides.push(0);
                }
            }
        }
        shape.extend_from_slice(&self.shape[axis..]);
        strides.extend_from_slice(&self.strides[axis..]);
        self.shape = shape;
        self.strides = strides;
    }
}

/// Strides that show `shape`/`strides` as `target` without moving data (NumPy's
/// no-copy reshape), or `None` when the data is not in a compatible order.
fn reshape_strides(shape: &[usize], strides: &[isize], target: &[usize]) -> Option<Vec<isize>> {
    if shape.iter().product::<usize>() == 0 {
        return Some(vec![0; target.len()]);
    }
    let (old, old_strides): (Vec<usize>, Vec<isize>) =
        shape.iter().zip(strides).filter(|(&n, _)| n != 1).map(|(&n, &s)| (n, s)).unzip();
    let mut out = vec![0isize; target.len()];
    let (mut oi, mut oj, mut ni, mut nj) = (0, 1, 0, 1);
    while ni < target.len() && oi < old.len() {
        let (mut np, mut op) = (target[ni], old[oi]);
        while np != op {
            if np < op {
                np *= *target.get(nj)?;
                nj += 1;
            } else {
                op *= *old.get(oj)?;
                oj += 1;
            }
        }
        for k in oi..oj - 1 {
            if old_strides[k] != old[k + 1] as isize * old_strides[k + 1] {
                return None;
            }
        }
        out[nj - 1] = old_strides[oj - 1];
        for k in (ni + 1..nj).rev() {
            out[k - 1] = out[k] * target[k] as isize;
        }
        ni = nj;
        nj += 1;
        oi = oj;
        oj += 1;
    }
    Some(out)
}
