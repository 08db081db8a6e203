//! Partial results of a reduction, one per rank, combined into the whole
//! result on every rank: one all-gather, then the partials in rank order, so
//! every rank gets the same bits.

use crate::dist;
use crate::graph::ReduceFn;

/// Every rank's partial result (none from a rank with no rows), combined in rank
/// order, on every rank.
pub fn combine(f: ReduceFn, mine: Option<Vec<f64>>, len: usize) -> Vec<f64> {
    let bytes: Vec<u8> = mine.iter().flatten().flat_map(|v| v.to_le_bytes()).collect();
    let partials: Vec<Vec<f64>> = dist::world()
        .all_gather(&bytes)
        .iter()
        .filter(|b| !b.is_empty())
        .map(|b| b.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes"))).collect())
        .collect();
    let mut result: Vec<f64> = match partials.first() {
        Some(first) => first.clone(),
        None => vec![crate::exec::reduce::reduce_row::<f64>(f, &[]); len],
    };
    for partial in partials.iter().skip(1) {
        for (r, &p) in result.iter_mut().zip(partial) {
            *r = match f {
                ReduceFn::Sum | ReduceFn::CountNonzero => *r + p,
                ReduceFn::Prod => *r * p,
                ReduceFn::Min if r.is_nan() || p.is_nan() => f64::NAN,
                ReduceFn::Max if r.is_nan() || p.is_nan() => f64::NAN,
                ReduceFn::Min => r.min(p),
                ReduceFn::Max => r.max(p),
                ReduceFn::All => f64::from(u8::from(*r != 0.0 && p != 0.0)),
                ReduceFn::Any => f64::from(u8::from(*r != 0.0 || p != 0.0)),
                _ => unreachable!("not combinable"),
            };
        }
    }
    result
}
