//! `bincount` of a value split by rows: each rank counts its own values, and the
//! counts are added across the ranks (one all-gather of the longest count, one of
//! the counts); the value itself is never gathered.

use super::{own_rows, part_rows};
use crate::diag::Diag;
use crate::dist;
use crate::graph::{Array, Elem};
use crate::syntax::Span;

/// The counts of each value in `a` (at least `minlength` of them) when `a` is
/// held split by rows, the same on every rank; `None` when it is not. A
/// negative value found by some rank is `negative(value)` on every rank; counts
/// too many to hold, an error at `span`.
pub fn bincount(
    a: &Array,
    minlength: usize,
    negative: impl Fn(String) -> Diag,
    span: Span,
) -> Option<Result<Vec<i64>, Diag>> {
    let part = a.part()?;
    let own: Vec<i64> = i64::cast_from(&part_rows(&part, own_rows(a.shape[0]))).iter().copied().collect();
    let found = own.iter().find(|&&v| v < 0).map(|v| v.to_string());
    if let Err(found) = dist::agreed_result(found.map_or(Ok(()), Err)) {
        return Some(Err(negative(found)));
    }
    let longest = own.iter().map(|&v| v as usize + 1).max().unwrap_or(0) as u64;
    let len = dist::world()
        .all_gather(&longest.to_le_bytes())
        .iter()
        .map(|b| u64::from_le_bytes(b.as_slice().try_into().unwrap_or([0; 8])) as usize)
        .max()
        .unwrap_or(0)
        .max(minlength);
    if let Err(e) = crate::exec::ensure_fits(len, 8, span) {
        return Some(Err(e));
    }
    let mut counts = vec![0i64; len];
    for v in own {
        counts[v as usize] += 1;
    }
    let bytes: Vec<u8> = counts.iter().flat_map(|c| c.to_le_bytes()).collect();
    let mut total = vec![0i64; len];
    for theirs in dist::world().all_gather(&bytes) {
        for (sum, c) in total.iter_mut().zip(theirs.chunks_exact(8)) {
            *sum += i64::from_le_bytes(c.try_into().expect("8 bytes"));
        }
    }
    Some(Ok(total))
}
