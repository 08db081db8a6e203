//! `.npy` files read and written in parts (spec section 10): under MPI each rank
//! reads only its own rows of a file into its part of a split value, and writes
//! only its own rows of a split value at their place in the one file, which is
//! byte for byte the file one process writes. The ranks work on the same file
//! system; `dist` agrees on every step's outcome, so a failure on one rank fails
//! every rank alike and leaves no file behind.

use std::os::unix::fs::FileExt;
use std::path::Path;

use super::own_rows;
use crate::dist;
use crate::graph::node::Part;
use crate::graph::{Array, Node};
use crate::io::{self, npy};
use crate::syntax::Span;

/// The array in the `.npy` file at `path`, split over the ranks when the file is
/// C-ordered and the value's layout splits (only the own rows are read), else
/// read whole on every rank.
pub fn load_npy(path: &Path, span: Span) -> Result<Array, String> {
    let header = dist::agreed_result(npy::read_header(path))?;
    if header.fortran || !super::splits_by_default(&header.shape) {
        let data = dist::agreed_result(npy::load(path))?;
        return Ok(Node::from_data(data, span));
    }
    dist::agreement::note_shape(&header.shape);
    let rows = own_rows(header.shape[0]);
    let data = dist::agreed_result(npy::load_rows(path, &header, rows))?;
    crate::exec::stats::record_split_file();
    Ok(Node::from_part(Part { data, first: rows.0 }, header.shape, header.dtype, span))
}

/// Writes `node` (computed, and split over the ranks) to `path` as one `.npy`
/// file: rank 0 writes the header into a temporary file of the full length,
/// every rank writes its own rows at their offset, and rank 0 renames the file
/// into place once every rank has succeeded.
pub fn save_npy_part(path: &Path, node: &Array) -> Result<(), String> {
    let part = node.part().expect("a split value");
    let header = npy::header_bytes(&node.shape, node.dtype);
    let rows = own_rows(node.shape[0]);
    let row_bytes = node.shape[1..].iter().product::<usize>() * node.dtype.size_bytes();
    let temp = io::temp_path(path, dist::share_u64(u64::from(std::process::id())) as u32)?;
    let data_len = node.size() * node.dtype.size_bytes();
    let created = if dist::is_root() { create_sized(path, &temp, &header, data_len) } else { Ok(()) };
    dist::rank_zero_outcome(created)?;
    let own = super::rows_bytes(&part.data, part.first, rows);
    let offset = header.len() as u64 + (rows.0 * row_bytes) as u64;
    let written = std::fs::OpenOptions::new()
        .write(true)
        .open(&temp)
        .and_then(|file| file.write_all_at(&own, offset).and_then(|()| file.sync_data()))
        .map_err(|e| format!("cannot write `{}`: {e}", path.display()));
    let outcome = dist::agreed_outcome(written);
    let renamed = if dist::is_root() {
        match &outcome {
            Ok(()) => std::fs::rename(&temp, path).map_err(|e| format!("cannot write `{}`: {e}", path.display())),
            Err(_) => Ok(()),
        }
    } else {
        Ok(())
    };
    if dist::is_root() && (outcome.is_err() || renamed.is_err()) {
        let _ = std::fs::remove_file(&temp);
    }
    outcome?;
    dist::rank_zero_outcome(renamed)?;
    crate::exec::stats::record_split_file();
    Ok(())
}

/// A new file at `temp` (standing in for `path`) holding `header` and
/// `data_len` more (zero) bytes.
fn create_sized(path: &Path, temp: &Path, header: &[u8], data_len: usize) -> Result<(), String> {
    let created = std::fs::File::create(temp).and_then(|file| {
        file.write_all_at(header, 0)?;
        file.set_len((header.len() + data_len) as u64)
    });
    created.map_err(|e| {
        let _ = std::fs::remove_file(temp);
        format!("cannot write `{}`: {e}", path.display())
    })
}
