//! Shapes: broadcasting and axis arguments.

pub type Shape = Vec<usize>;

/// NumPy broadcasting: align on the right; each pair equal or one of them 1.
pub fn broadcast(a: &[usize], b: &[usize]) -> Option<Shape> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let x = if i < n - a.len() { 1 } else { a[i - (n - a.len())] };
        let y = if i < n - b.len() { 1 } else { b[i - (n - b.len())] };
        out[i] = match (x, y) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        };
    }
    Some(out)
}

/// `(3, 4)` as NumPy prints a shape tuple.
pub fn show(shape: &[usize]) -> String {
    match shape {
        [one] => format!("({one},)"),
        _ => format!("({})", shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
    }
}

pub fn size(shape: &[usize]) -> usize {
    shape.iter().product()
}

/// A possibly negative axis made absolute, if it is in range.
pub fn normalize_axis(axis: i64, ndim: usize) -> Option<usize> {
    let n = ndim as i64;
    let a = if axis < 0 { axis + n } else { axis };
    (0..n).contains(&a).then_some(a as usize)
}

/// Python's index normalization: negative indices count from the end.
pub fn normalize_index(i: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let i = if i < 0 { i + len } else { i };
    (0..len).contains(&i).then_some(i as usize)
}

/// The positions a slice `start:stop:step` selects from `len` items, clamped as
/// Python and NumPy clamp them.
pub fn slice_indices(start: Option<i64>, stop: Option<i64>, step: i64, len: usize) -> impl Iterator<Item = usize> {
    let len = len as i64;
    let clamp = |v: i64, lo: i64, hi: i64| if v < 0 { (v + len).max(lo) } else { v.min(hi) };
    let (first, end) = if step > 0 {
        (start.map_or(0, |s| clamp(s, 0, len)), stop.map_or(len, |s| clamp(s, 0, len)))
    } else {
        (start.map_or(len - 1, |s| clamp(s, -1, len - 1)), stop.map_or(-1, |s| clamp(s, -1, len - 1)))
    };
    let count = if step > 0 {
        if end > first {
            (end - first + step - 1) / step
        } else {
            0
        }
    } else if first > end {
        (first - end + (-step) - 1) / (-step)
    } else {
        0
    };
    (0..count).map(move |k| (first + k * step) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picks(start: Option<i64>, stop: Option<i64>, step: i64, len: usize) -> Vec<usize> {
        slice_indices(start, stop, step, len).collect()
    }

    /// Indexing reads the count from `size_hint` instead of listing the picks.
    #[test]
    fn the_size_hint_is_the_number_of_picks() {
        let bounds = [None, Some(-12), Some(-3), Some(-1), Some(0), Some(1), Some(4), Some(9), Some(30)];
        for len in [0, 1, 5, 9] {
            for start in bounds {
                for stop in bounds {
                    for step in [-3, -1, 1, 2, 7] {
                        let it = slice_indices(start, stop, step, len);
                        assert_eq!(
                            it.size_hint(),
                            (picks(start, stop, step, len).len(), Some(picks(start, stop, step, len).len()))
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn slices_clamp_like_python() {
        assert_eq!(picks(None, None, 1, 4), vec![0, 1, 2, 3]);
        assert_eq!(picks(Some(1), Some(-1), 1, 4), vec![1, 2]);
        assert_eq!(picks(None, None, -1, 3), vec![2, 1, 0]);
        assert_eq!(picks(Some(-100), Some(2), 1, 5), vec![0, 1]);
        assert_eq!(picks(Some(10), Some(20), 1, 5), Vec::<usize>::new());
        assert_eq!(picks(None, None, -2, 5), vec![4, 2, 0]);
        assert_eq!(picks(Some(3), Some(0), -1, 5), vec![3, 2, 1]);
    }

    #[test]
    fn negative_indices_count_from_the_end() {
        assert_eq!(normalize_index(-1, 3), Some(2));
        assert_eq!(normalize_index(3, 3), None);
        assert_eq!(normalize_index(-4, 3), None);
    }

    #[test]
    fn broadcasting_rules() {
        assert_eq!(broadcast(&[4, 1, 3], &[5, 1]), Some(vec![4, 5, 3]));
        assert_eq!(broadcast(&[3], &[4]), None);
        assert_eq!(broadcast(&[], &[2, 2]), Some(vec![2, 2]));
        assert_eq!(broadcast(&[0], &[1]), Some(vec![0]));
        assert_eq!(show(&[3]), "(3,)");
        assert_eq!(show(&[]), "()");
    }
}
