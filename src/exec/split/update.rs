//! Indexed assignment to a value split by rows: each rank writes the part of the
//! region inside its own rows, reading the matching rows of the value. Used by
//! split plans (`links[:, 0] = true` as a plan node, `split::dense`) and by
//! in-place updates of a held part (`x[i] = v` in a loop, `exec::inplace`).

use super::{row_range, select_rows, Rows};
use crate::exec::index;
use crate::graph::node::Part;
use crate::graph::{ArrayData, SliceElem};

/// The part of an update's region `elems` inside rows `own` of the updated
/// array, numbered from `own`'s first row, and which rows of the region's first
/// axis it takes (`None` when the first index picks one row); `None` when the
/// region has no row in `own`.
pub fn own_region(elems: &[SliceElem], own: Rows) -> Option<(Vec<SliceElem>, Option<Rows>)> {
    let (lo, hi) = (own.0 as i64, own.1 as i64);
    let (first_axis, rows) = match *elems.first()? {
        SliceElem::Index(i) if (lo..hi).contains(&(i as i64)) => (SliceElem::Index(i - own.0), None),
        SliceElem::Range { first, count, step } => {
            let (f, c, s) = (first as i64, count as i64, step as i64);
            // Region rows r with lo <= f + r * s < hi form one run [r0, r1).
            let (r0, r1) = if s > 0 {
                (div_ceil(lo - f, s), div_ceil(hi - f, s))
            } else {
                ((f - hi).div_euclid(-s) + 1, (f - lo).div_euclid(-s) + 1)
            };
            let (r0, r1) = (r0.clamp(0, c), r1.clamp(0, c));
            if r0 >= r1 {
                return None;
            }
            let local = SliceElem::Range { first: (f + r0 * s - lo) as usize, count: (r1 - r0) as usize, step };
            (local, Some((r0 as usize, r1 as usize)))
        }
        _ => return None,
    };
    Some((std::iter::once(first_axis).chain(elems[1..].iter().cloned()).collect(), rows))
}

fn div_ceil(a: i64, b: i64) -> i64 {
    -((-a).div_euclid(b))
}

/// Whether `own_region` takes `elems`: the first picks rows (one, or a range).
pub fn picks_rows(elems: &[SliceElem]) -> bool {
    matches!(elems.first(), Some(SliceElem::Index(_) | SliceElem::Range { .. }))
}

/// `data` (rows `own` of the updated array) with the part of region `elems`
/// (see `picks_rows`) inside them set from `value`, held whole in the region's
/// shape (as indexed assignment makes it).
pub fn set_slice_rows(data: ArrayData, own: Rows, elems: &[SliceElem], value: &ArrayData) -> ArrayData {
    let Some((local, rows)) = own_region(elems, own) else { return data };
    let region_rows = match elems[0] {
        SliceElem::Range { count, .. } => Some(count),
        _ => None,
    };
    let region_ndim = elems.iter().filter(|e| !matches!(e, SliceElem::Index(_))).count();
    let value = match rows {
        // A value that broadcasts along the region's first axis is the same for each row.
        Some(rows) if value.shape().len() == region_ndim && value.shape().first().copied() == region_rows => {
            row_range(value, rows)
        }
        _ => value.clone(),
    };
    index::set_slice(data, &local, &value)
}

/// `part` (of an array of `n` rows split by rows) with positions `picks` along `axis` set
/// from `value` (held whole, in the region's shape): along the
/// first axis, the picks inside the part's rows, in order (the last of repeated
/// positions wins, as on one process); along a later one, the part's rows of
/// `value`.
pub fn set_take_part(part: Part, n: usize, axis: usize, picks: &[usize], value: &ArrayData) -> Part {
    let rows = part.data.shape()[0];
    let own = (part.first, part.first + rows);
    // Else it broadcasts along the first axis.
    let full_rank = value.shape().len() == part.data.shape().len();
    let data = if axis == 0 {
        let mine: Vec<(usize, usize)> =
            picks.iter().enumerate().filter(|&(_, &p)| own.0 <= p && p < own.1).map(|(k, &p)| (k, p - own.0)).collect();
        if mine.is_empty() {
            return part;
        }
        let local: Vec<usize> = mine.iter().map(|&(_, p)| p).collect();
        let value = if full_rank && value.shape()[0] == picks.len() {
            select_rows(value, &mine.iter().map(|&(k, _)| k).collect::<Vec<_>>())
        } else {
            value.clone()
        };
        index::set_take_at(part.data, 0, &local, &value)
    } else {
        let value = if full_rank && value.shape()[0] == n { row_range(value, own) } else { value.clone() };
        index::set_take_at(part.data, axis, picks, &value)
    };
    Part { data, first: part.first }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows of `0..n` a slice element selects, in region order.
    fn selected(elem: &SliceElem) -> Vec<usize> {
        match *elem {
            SliceElem::Index(i) => vec![i],
            SliceElem::Range { first, count, step } => {
                (0..count).map(|r| (first as isize + r as isize * step) as usize).collect()
            }
            SliceElem::NewAxis => vec![],
        }
    }

    #[test]
    fn own_regions_of_every_rank_cover_the_region_once_in_order() {
        let n = 23;
        let elems = [
            SliceElem::Range { first: 0, count: 23, step: 1 },
            SliceElem::Range { first: 2, count: 5, step: 4 },
            SliceElem::Range { first: 20, count: 6, step: -3 },
            SliceElem::Range { first: 22, count: 12, step: -2 },
            SliceElem::Range { first: 5, count: 0, step: 1 },
            SliceElem::Index(7),
            SliceElem::Index(0),
        ];
        for elem in &elems {
            for ranks in 1..=5 {
                let mut covered: Vec<(usize, usize)> = Vec::new();
                for q in 0..ranks {
                    let own = crate::dist::layout::block_range(n, ranks, q);
                    let Some((local, rows)) = own_region(std::slice::from_ref(elem), own) else { continue };
                    let here: Vec<usize> = selected(&local[0]).iter().map(|r| r + own.0).collect();
                    assert!(here.iter().all(|r| own.0 <= *r && *r < own.1), "{elem:?} on {q}/{ranks}: {here:?}");
                    let rows = rows.unwrap_or((0, 1));
                    assert_eq!(rows.1 - rows.0, here.len());
                    covered.extend((rows.0..rows.1).zip(here));
                }
                covered.sort();
                let whole: Vec<(usize, usize)> = selected(elem).into_iter().enumerate().collect();
                assert_eq!(covered, whole, "{elem:?} over {ranks} ranks");
            }
        }
    }
}
