//! Reading a kernel input: computed data seen through views, as an offset and
//! per-axis strides into the data's buffer, so slices, transposes, reshapes of
//! contiguous data and broadcasts are read in place, never copied.

use crate::graph::strided::Strided;
use crate::graph::ArrayData;

/// The element pointer of one computed array, by dtype.
#[derive(Clone, Copy)]
enum Base {
    Bool(*const bool),
    I32(*const i32),
    I64(*const i64),
    F32(*const f32),
    F64(*const f64),
}

pub struct Source {
    /// Keeps the buffer `base` points into alive.
    _data: ArrayData,
    base: Base,
    /// Where the view's elements are in the buffer.
    pub at: Strided,
}

// SAFETY: a `Source` only reads, through `base`, a buffer that `_data` keeps alive
// and that nobody writes while it is shared.
unsafe impl Send for Source {}
unsafe impl Sync for Source {}

impl Source {
    pub fn new(data: &ArrayData) -> Source {
        let (base, strides) = match data {
            ArrayData::Bool(a) => (Base::Bool(a.as_ptr()), a.strides().to_vec()),
            ArrayData::I32(a) => (Base::I32(a.as_ptr()), a.strides().to_vec()),
            ArrayData::I64(a) => (Base::I64(a.as_ptr()), a.strides().to_vec()),
            ArrayData::F32(a) => (Base::F32(a.as_ptr()), a.strides().to_vec()),
            ArrayData::F64(a) => (Base::F64(a.as_ptr()), a.strides().to_vec()),
        };
        Source { _data: data.clone(), base, at: Strided { offset: 0, shape: data.shape().to_vec(), strides } }
    }

    /// Merges neighbouring axes that step through memory as one (and drops axes
    /// of length 1), so gathers copy longer runs: a broadcast `(16, 8)` block
    /// repeated `n` times reads as runs of 128, not of 8. The C order of
    /// elements, and so every flat position, is unchanged.
    pub fn collapse(&mut self) {
        if self.at.shape.contains(&0) {
            return;
        }
        let (mut shape, mut strides): (Vec<usize>, Vec<isize>) = (Vec::new(), Vec::new());
        for (&n, &stride) in self.at.shape.iter().zip(&self.at.strides) {
            if n == 1 {
                continue;
            }
            match (shape.last_mut(), strides.last()) {
                (Some(outer), Some(&outer_stride)) if outer_stride == stride * n as isize => {
                    *outer *= n;
                    *strides.last_mut().expect("as many strides as axes") = stride;
                }
                _ => {
                    shape.push(n);
                    strides.push(stride);
                }
            }
        }
        if shape.is_empty() && !self.at.shape.is_empty() {
            (shape, strides) = (vec![1], vec![0]);
        }
        self.at.shape = shape;
        self.at.strides = strides;
    }

    /// The elements `start..start + len` (in C order of `shape`) as f64, when
    /// they lie in order in a float64 buffer (the whole view is in order, or the
    /// range is inside one row with unit stride): read without copying.
    pub fn contiguous_f64(&self, start: usize, len: usize) -> Option<&[f64]> {
        let Base::F64(ptr) = self.base else { return None };
        let first = if self.in_order() {
            self.at.offset + start as isize
        } else {
            let inner = *self.at.shape.last()?;
            if *self.at.strides.last()? != 1 || start % inner + len > inner {
                return None;
            }
            self.position(start)
        };
        // SAFETY: these `len` elements are consecutive in the view and in the
        // buffer, which `_data` keeps alive.
        Some(unsafe { std::slice::from_raw_parts(ptr.offset(first), len) })
    }

    /// The buffer position of element `flat` (C order of `shape`).
    fn position(&self, flat: usize) -> isize {
        let mut rest = flat;
        let mut pos = self.at.offset;
        for axis in (0..self.at.shape.len()).rev() {
            pos += (rest % self.at.shape[axis]) as isize * self.at.strides[axis];
            rest /= self.at.shape[axis];
        }
        pos
    }

    fn in_order(&self) -> bool {
        let mut expected = 1isize;
        for (&n, &s) in self.at.shape.iter().zip(&self.at.strides).rev() {
            if n > 1 && s != expected {
                return false;
            }
            expected *= n as isize;
        }
        true
    }

    /// Copies the elements `start..start + out.len()` (in C order of `shape`)
    /// into `out` as f64.
    pub fn gather(&self, start: usize, out: &mut [f64]) {
        match self.base {
            Base::Bool(p) => self.gather_from(p, start, out, |v: bool| f64::from(u8::from(v))),
            Base::I32(p) => self.gather_from(p, start, out, f64::from),
            Base::I64(p) => self.gather_from(p, start, out, |v: i64| v as f64),
            Base::F32(p) => self.gather_from(p, start, out, f64::from),
            Base::F64(p) => self.gather_from(p, start, out, |v| v),
        }
    }

    fn gather_from<T: Copy>(&self, ptr: *const T, start: usize, out: &mut [f64], to_f64: impl Fn(T) -> f64) {
        let ndim = self.at.shape.len();
        if ndim == 0 {
            // SAFETY: a 0-d view has one element, at `offset`.
            let v = to_f64(unsafe { *ptr.offset(self.at.offset) });
            out.fill(v);
            return;
        }
        // The multi-index of `start`, and the position it reads.
        let mut index = vec![0usize; ndim];
        let mut rest = start;
        for axis in (0..ndim).rev() {
            index[axis] = rest % self.at.shape[axis];
            rest /= self.at.shape[axis];
        }
        let mut pos: isize =
            self.at.offset + index.iter().zip(&self.at.strides).map(|(&i, &s)| i as isize * s).sum::<isize>();
        let last = ndim - 1;
        let (inner, step) = (self.at.shape[last], self.at.strides[last]);
        // Whole rows of the last axis are copied in a tight loop along the axis
        // before it; only the carry into outer axes walks the multi-index.
        let (mid, mid_step) = if ndim > 1 { (self.at.shape[last - 1], self.at.strides[last - 1]) } else { (1, 0) };
        let copy = |dst: &mut [f64], pos: isize| {
            // SAFETY: every position read is `offset + sum(index * stride)` for an
            // index inside `shape`, which the view guarantees is in the buffer.
            unsafe {
                match step {
                    1 => copy_run(dst, ptr.offset(pos), &to_f64),
                    0 => dst.fill(to_f64(*ptr.offset(pos))),
                    _ => {
                        dst.iter_mut().enumerate().for_each(|(k, d)| *d = to_f64(*ptr.offset(pos + k as isize * step)))
                    }
                }
            }
        };
        let mut done = 0;
        while done < out.len() {
            let (at, run) = (index[last], (inner - index[last]).min(out.len() - done));
            copy(&mut out[done..done + run], pos);
            done += run;
            index[last] += run;
            if index[last] < inner || ndim == 1 {
                break;
            }
            // The row is complete: copy the next ones along the axis before the
            // last while they are whole and on this stretch of that axis.
            index[last] = 0;
            pos -= at as isize * step;
            let whole_rows = (mid - 1 - index[last - 1]).min((out.len() - done) / inner);
            for _ in 0..whole_rows {
                pos += mid_step;
                copy(&mut out[done..done + inner], pos);
                done += inner;
            }
            index[last - 1] += whole_rows;
            // Then step to the next row, carrying into the outer axes.
            let mut axis = last - 1;
            loop {
                index[axis] += 1;
                pos += self.at.strides[axis];
                if index[axis] < self.at.shape[axis] || axis == 0 {
                    break;
                }
                pos -= self.at.shape[axis] as isize * self.at.strides[axis];
                index[axis] = 0;
                axis -= 1;
            }
        }
    }
}

/// Reads `dst.len()` consecutive elements from `src`. Short runs (the last axis
/// of a broadcast, say 8 wide) are copied in blocks of four, which compile to a
/// few vector moves instead of a call to `memcpy` per run.
///
/// # Safety
/// `src` must point to `dst.len()` readable elements.
#[inline(always)]
unsafe fn copy_run<T: Copy>(dst: &mut [f64], src: *const T, to_f64: &impl Fn(T) -> f64) {
    let mut blocks = dst.chunks_exact_mut(4);
    let mut k = 0isize;
    for block in &mut blocks {
        let v: [T; 4] = unsafe { std::ptr::read_unaligned(src.offset(k) as *const [T; 4]) };
        block.copy_from_slice(&v.map(to_f64));
        k += 4;
    }
    for d in blocks.into_remainder() {
        *d = to_f64(unsafe { *src.offset(k) });
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{SliceElem, View};
    use ndarray::{ArrayD, IxDyn};

    fn source(shape: &[usize]) -> Source {
        let n: usize = shape.iter().product();
        let a = ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|v| v as f64).collect()).unwrap();
        Source::new(&ArrayData::F64(a.into_shared()))
    }

    fn all(s: &Source) -> Vec<f64> {
        let mut out = vec![0.0; s.at.shape.iter().product()];
        s.gather(0, &mut out);
        out
    }

    #[test]
    fn transposes_and_broadcasts_read_in_place() {
        let mut s = source(&[2, 3]);
        assert!(s.at.apply(&View::Transpose(vec![1, 0])));
        assert_eq!(all(&s), [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
        let mut b = source(&[3]);
        assert!(b.at.apply(&View::BroadcastTo(vec![2, 3])));
        assert_eq!(all(&b), [0.0, 1.0, 2.0, 0.0, 1.0, 2.0]);
        let mut part = vec![0.0; 3];
        b.gather(2, &mut part);
        assert_eq!(part, [2.0, 0.0, 1.0]);
    }

    /// Every element of the view by its multi-index, the slow way.
    fn naive(s: &Source) -> Vec<f64> {
        (0..s.at.shape.iter().product()).map(|flat| s.position(flat) as f64).collect()
    }

    #[test]
    fn any_stretch_of_a_strided_view_gathers_like_element_by_element() {
        // Values equal positions, so the expected values are the positions.
        let views: Vec<(Vec<usize>, Vec<View>)> = vec![
            (vec![5, 3], vec![View::Slice(vec![SliceElem::Range { first: 0, count: 5, step: 1 }, SliceElem::NewAxis])]),
            (vec![4, 3, 2], vec![View::Transpose(vec![2, 0, 1])]),
            (vec![3, 4], vec![View::BroadcastTo(vec![2, 3, 4])]),
            (vec![3, 1, 4], vec![View::BroadcastTo(vec![3, 5, 4])]),
            (vec![7], vec![View::Slice(vec![SliceElem::Range { first: 6, count: 4, step: -2 }])]),
        ];
        for (shape, views) in views {
            let mut s = source(&shape);
            for v in &views {
                assert!(s.at.apply(v));
            }
            if views.iter().any(|v| matches!(v, View::Slice(e) if e.contains(&SliceElem::NewAxis))) {
                assert!(s.at.apply(&View::BroadcastTo(vec![5, 4, 3])));
            }
            let expected = naive(&s);
            s.collapse();
            assert_eq!(naive(&s), expected, "collapsing keeps the order");
            for start in 0..expected.len() {
                for len in 0..=expected.len() - start {
                    let mut out = vec![f64::NAN; len];
                    s.gather(start, &mut out);
                    assert_eq!(out, expected[start..start + len], "{shape:?} {views:?} from {start}, {len}");
                }
            }
        }
    }

    #[test]
    fn reshape_needs_compatible_order() {
        let mut s = source(&[2, 3]);
        assert!(s.at.apply(&View::Reshape(vec![3, 2])));
        assert_eq!(all(&s), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        let mut t = source(&[2, 3]);
        assert!(t.at.apply(&View::Transpose(vec![1, 0])));
        assert!(!t.at.apply(&View::Reshape(vec![6])));
    }

    #[test]
    fn negative_steps_and_indices() {
        let mut s = source(&[2, 4]);
        let elems = vec![SliceElem::Index(1), SliceElem::Range { first: 3, count: 2, step: -2 }];
        assert!(s.at.apply(&View::Slice(elems)));
        assert_eq!(all(&s), [7.0, 5.0]);
    }
}
