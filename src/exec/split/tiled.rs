//! Tiles on a process grid (spec section 10): a layout that distributes an axis
//! other than the first, or several axes (`dist=("b", "b")`, `("n", "b")`), lays
//! the ranks out on a grid with one extent per axis and gives each rank one tile:
//! its block of every distributed axis, the other axes whole. Each rank holds only
//! its tile (`graph::node::State::Tiled`).
//!
//! `redistribute` (and `dist=` on creation, a redistribution of the new array)
//! into or out of tiles is one all-to-all in which every rank sends each other
//! rank just the intersection of what it holds with what that rank will hold. A
//! plan that reads a tiled value gets its rows in blocks by one such exchange
//! (`to_blocks`); printing, or an operation without a split form, joins it
//! (`join`). Results of operations get the default layout again (rows in blocks),
//! as for cyclic layouts.

use ndarray::{IxDyn, Slice};

use super::{own_rows, part_rows, rows_bytes, splits};
use crate::diag::Diag;
pub use crate::dist::layout::tiles;
use crate::dist::{self, layout::block_range, AxisDist, Layout};
use crate::graph::node::{Part, State};
use crate::graph::{Array, ArrayData, DType, Elem, Nd, Op};

/// A box of a value: per axis, the indices `[start, stop)` it spans.
type Region = Vec<(usize, usize)>;

/// The tile rank `rank` holds of a value of this shape and layout.
fn tile_of(shape: &[usize], layout: &Layout, rank: usize) -> Region {
    let coords = layout.coords(rank);
    (0..shape.len())
        .map(|axis| match layout.axes[axis] {
            AxisDist::Block => block_range(shape[axis], layout.grid[axis], coords[axis]),
            _ => (0, shape[axis]),
        })
        .collect()
}

/// The box of rows `rows`, every later axis whole.
fn rows_region(shape: &[usize], rows: (usize, usize)) -> Region {
    std::iter::once(rows).chain(shape[1..].iter().map(|&n| (0, n))).collect()
}

/// The rows rank `rank` owns in the default layout, as a box.
fn block_region(shape: &[usize], rank: usize) -> Region {
    rows_region(shape, block_range(shape[0], dist::nranks(), rank))
}

fn intersect(a: &Region, b: &Region) -> Option<Region> {
    let both: Region = a.iter().zip(b).map(|(x, y)| (x.0.max(y.0), x.1.min(y.1))).collect();
    both.iter().all(|(start, stop)| start < stop).then_some(both)
}

fn extents(region: &Region) -> Vec<usize> {
    region.iter().map(|(start, stop)| stop - start).collect()
}

/// Computes a pending redistribution into or out of tiles: true when `node` was
/// computed here. Into another placement than tiles or rows in blocks (cyclic,
/// or every rank whole), a tiled input is joined by the caller's fallback.
pub fn try_place(node: &Array) -> Result<bool, Diag> {
    let input = match &*node.state.borrow() {
        State::Pending(Op::Redistribute(input)) => input.clone(),
        _ => return Ok(false),
    };
    let shape = &node.shape;
    if tiles(shape, &node.layout) {
        let wanted = |q: usize| tile_of(shape, &node.layout, q);
        crate::exec::force(&input)?;
        let tile = match held(&input) {
            Some((data, from)) => exchange(&data, from, wanted),
            None => {
                let whole = crate::exec::evaluate(&input)?;
                cut(&whole, &rows_region(shape, (0, shape[0])), &wanted(dist::rank()))
            }
        };
        *node.state.borrow_mut() = State::Tiled(tile);
        return Ok(true);
    }
    if splits(shape, &node.layout) {
        crate::exec::force(&input)?;
        if let Some(part) = to_blocks(&input) {
            *node.state.borrow_mut() = State::Part(part);
            return Ok(true);
        }
    }
    Ok(false)
}

/// What this rank holds of a split value, and the box every rank holds of it;
/// `None` for a value every rank holds whole.
#[allow(clippy::type_complexity)]
fn held(node: &Array) -> Option<(ArrayData, Box<dyn Fn(usize) -> Region + '_>)> {
    let shape = &node.shape;
    if let Some(tile) = node.tiled() {
        return Some((tile, Box::new(move |q| tile_of(shape, &node.layout, q))));
    }
    let part = node.part().or_else(|| super::cyclic::to_blocks(node))?;
    let own = part_rows(&part, own_rows(shape[0]));
    Some((own, Box::new(move |q| block_region(shape, q))))
}

/// A tiled value as a part in the default block layout, for a plan that reads it
/// (every rank calls this at the same point). The node itself stays tiled.
pub fn to_blocks(node: &Array) -> Option<Part> {
    let tile = node.tiled()?;
    let shape = &node.shape;
    let rows = exchange(&tile, |q| tile_of(shape, &node.layout, q), |q| block_region(shape, q));
    Some(Part { data: rows, first: own_rows(shape[0]).0 })
}

/// The whole value of a tiled node, on every rank (every rank calls this at the
/// same point); the node then holds it whole.
pub fn join(node: &Array) -> Option<ArrayData> {
    let tile = node.tiled()?;
    let shape = &node.shape;
    let whole = exchange(&tile, |q| tile_of(shape, &node.layout, q), |_| rows_region(shape, (0, shape[0])));
    *node.state.borrow_mut() = State::Done(whole.clone());
    Some(whole)
}

/// Moves a value to new owners with one all-to-all. This rank holds `data`, the
/// box `held(rank)` of the value; every rank `q` is to hold the box `wanted(q)`,
/// which this returns for this rank.
fn exchange(data: &ArrayData, held: impl Fn(usize) -> Region, wanted: impl Fn(usize) -> Region) -> ArrayData {
    let comm = dist::world();
    let (me, size) = (comm.rank(), comm.size());
    crate::exec::stats::record_placement();
    let mine = held(me);
    let outgoing = (0..size)
        .map(|q| match intersect(&mine, &wanted(q)) {
            Some(common) => {
                let piece = cut(data, &mine, &common);
                rows_bytes(&piece, 0, (0, piece.shape()[0]))
            }
            None => Vec::new(),
        })
        .collect();
    let incoming = comm.all_to_all(outgoing);
    let target = wanted(me);
    let pieces = (0..size).filter_map(|q| intersect(&held(q), &target).map(|common| (common, &incoming[q])));
    assemble(data.dtype(), &target, pieces)
}

/// The box `part` (within `region`, the box `data` holds) of a value.
fn cut(data: &ArrayData, region: &Region, part: &Region) -> ArrayData {
    crate::with_dtype!(data.dtype(), T => {
        let local = T::cast_from(data);
        let view = local.slice_each_axis(|ax| {
            let (axis, (from, _)) = (ax.axis.index(), region[ax.axis.index()]);
            Slice::from(part[axis].0 - from..part[axis].1 - from)
        });
        T::wrap(view.to_owned().into_shared())
    })
}

/// The box `target` of a value, from pieces that cover it: each a box and its
/// elements as bytes (`split::rows_bytes`).
fn assemble<'a>(dtype: DType, target: &Region, pieces: impl Iterator<Item = (Region, &'a Vec<u8>)>) -> ArrayData {
    fn fill<'a, T: Elem>(target: &Region, pieces: impl Iterator<Item = (Region, &'a Vec<u8>)>) -> ArrayData {
        let mut out = Nd::<T>::from_elem(IxDyn(&extents(target)), T::default());
        for (region, bytes) in pieces {
            let piece = T::cast_into(super::from_bytes(T::DTYPE, &extents(&region), bytes));
            out.slice_each_axis_mut(|ax| {
                let axis = ax.axis.index();
                Slice::from(region[axis].0 - target[axis].0..region[axis].1 - target[axis].0)
            })
            .assign(&piece);
        }
        T::wrap(out)
    }
    crate::with_dtype!(dtype, T => fill::<T>(target, pieces))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_cover_the_value_once() {
        for (shape, grid) in [(vec![7, 5], vec![2, 2]), (vec![3, 10], vec![1, 3]), (vec![4, 1, 9], vec![2, 1, 3])] {
            let axes = grid.iter().map(|&g| if g > 1 { AxisDist::Block } else { AxisDist::None }).collect();
            let layout = Layout { axes, grid: grid.clone() };
            let ranks: usize = grid.iter().product();
            let mut seen = vec![0; shape.iter().product()];
            for q in 0..ranks {
                let tile = tile_of(&shape, &layout, q);
                for (index, seen) in seen.iter_mut().enumerate() {
                    let mut rest = index;
                    let mut inside = true;
                    for axis in (0..shape.len()).rev() {
                        let i = rest % shape[axis];
                        rest /= shape[axis];
                        inside &= tile[axis].0 <= i && i < tile[axis].1;
                    }
                    *seen += usize::from(inside);
                }
            }
            assert!(seen.iter().all(|&s| s == 1), "{shape:?} on {grid:?}");
        }
    }

    #[test]
    fn boxes_intersect_only_when_they_overlap() {
        assert_eq!(intersect(&vec![(0, 4), (2, 6)], &vec![(3, 9), (0, 3)]), Some(vec![(3, 4), (2, 3)]));
        assert_eq!(intersect(&vec![(0, 4), (2, 6)], &vec![(4, 9), (0, 3)]), None);
    }

    #[test]
    fn a_box_cut_from_pieces_is_put_back_together() {
        let data = ArrayData::F64(Nd::from_shape_vec(IxDyn(&[4, 5]), (0..20).map(f64::from).collect()).unwrap());
        let whole = vec![(0, 4), (0, 5)];
        let target = vec![(1, 4), (1, 4)];
        let pieces: Vec<(Region, Vec<u8>)> = [vec![(1, 2), (1, 4)], vec![(2, 4), (1, 3)], vec![(2, 4), (3, 4)]]
            .into_iter()
            .map(|region| {
                let piece = cut(&data, &whole, &region);
                let bytes = rows_bytes(&piece, 0, (0, piece.shape()[0]));
                (region, bytes)
            })
            .collect();
        let got = assemble(DType::Float64, &target, pieces.iter().map(|(r, b)| (r.clone(), b)));
        let values = |d: &ArrayData| f64::cast_from(d).iter().copied().collect::<Vec<f64>>();
        assert_eq!(got.shape(), &[3, 3]);
        assert_eq!(values(&got), values(&cut(&data, &whole, &target)));
        assert_eq!(values(&got), vec![6.0, 7.0, 8.0, 11.0, 12.0, 13.0, 16.0, 17.0, 18.0]);
    }
}
