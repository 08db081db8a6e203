//! Input and output (spec section 7.8): `.npy`, delimited text and PNG images.

use std::path::PathBuf;

use super::convert::{array, opt_dtype, opt_int, opt_str, Result as R};
use super::{Args, CallCtx, Registry};
use crate::diag::{Code, Diag};
use crate::exec::split;
use crate::graph::{DType, Node};
use crate::interp::{arrays, Result, Value};
use crate::io;

pub fn register(r: &mut Registry) {
    r.function("save(path, a)", "Writes `a` to a NumPy `.npy` file (format 1.0, C order, little endian).", save);
    r.function(
        "load(path)",
        "Reads a NumPy `.npy` file (format 1.0–3.0, C or Fortran order, either byte order).",
        load,
    );
    r.function(
        "savetxt(path, a, delimiter=\",\", fmt=\"%.18e\")",
        "Writes a 1-D or 2-D array as delimited text, one row a line, each value with the printf format `fmt`.",
        savetxt,
    );
    r.function(
        "loadtxt(path, delimiter=\",\", skiprows=0, dtype=float64)",
        "Reads delimited text into an array (lines after `#` are comments; one row or column gives a 1-D array).",
        loadtxt,
    );
    r.function(
        "imsave(path, a, cmap=\"viridis\", vmin=none, vmax=none)",
        "Writes a 2-D array as a PNG image, mapping [vmin, vmax] (default: the data's range) through `cmap` (gray, viridis, magma, coolwarm).",
        imsave,
    );
}

fn imsave(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    use crate::graph::Elem;
    let path = path_arg(&mut args, 0)?;
    let a = array(&mut args, 1)?;
    let a_span = args.span(1);
    if a.ndim() != 2 {
        return Err(Diag::new(
            Code::Value,
            a_span,
            format!("`imsave` needs a 2-D array, not shape {}", crate::graph::shape::show(&a.shape)),
            "not 2-D",
        )
        .into());
    }
    let cmap_span = args.span(2);
    let cmap = opt_str(&mut args, 2, "viridis")?;
    if !io::image::COLORMAPS.contains(&cmap.as_str()) && cmap != "grey" {
        return Err(Diag::new(Code::Value, cmap_span, format!("unknown colormap {cmap:?}"), "unknown colormap")
            .with_help(format!("the colormaps are {}", io::image::COLORMAPS.join(", ")))
            .into());
    }
    let vmin = super::convert::opt_float(&mut args, 3, "vmin")?;
    let vmax = super::convert::opt_float(&mut args, 4, "vmax")?;
    let data = arrays::force_for_output(&a, a_span)?;
    let values: Vec<f64> = f64::cast_from(&data).iter().copied().collect();
    write_on_rank_zero(args.call_span, || {
        io::image::imsave(&path, &values, a.shape[0], a.shape[1], &cmap, vmin, vmax)
    })?;
    Ok(Value::None)
}

fn path_arg(args: &mut Args, i: usize) -> R<PathBuf> {
    let span = args.span(i);
    match args.take(i) {
        Some(Value::Str(s)) => Ok(PathBuf::from(s.as_ref())),
        Some(other) => {
            Err(Diag::new(Code::Type, span, format!("a path must be a str, not {}", other.described()), "not a path"))
        }
        None => unreachable!("required parameter"),
    }
}

fn io_error(span: crate::syntax::Span, message: String) -> Box<crate::interp::Unwind> {
    Diag::new(Code::Io, span, message, "in this call").into()
}

/// Writes a whole file on rank 0 only (under MPI only rank 0 writes text, images
/// and whole arrays; split arrays are saved in parts, `exec::split::files`); every rank
/// learns whether it worked.
fn write_on_rank_zero(
    span: crate::syntax::Span,
    write: impl FnOnce() -> std::result::Result<(), String>,
) -> Result<()> {
    let mine = if crate::dist::is_root() { write() } else { Ok(()) };
    crate::dist::rank_zero_outcome(mine).map_err(|e| io_error(span, e))
}

/// Reads a file on every rank; a failure on any rank fails every rank alike.
fn read_everywhere<T>(span: crate::syntax::Span, read: std::result::Result<T, String>) -> Result<T> {
    crate::dist::agreed_result(read).map_err(|e| io_error(span, e))
}

fn save(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let path = path_arg(&mut args, 0)?;
    let a = array(&mut args, 1)?;
    // A value split over MPI ranks is written by every rank, each its own rows.
    arrays::compute(&Value::Array(a.clone()), args.span(1))?;
    if a.part().is_some() {
        split::files::save_npy_part(&path, &a).map_err(|e| io_error(args.call_span, e))?;
        return Ok(Value::None);
    }
    let data = arrays::force(&a, args.span(1))?;
    write_on_rank_zero(args.call_span, || io::npy::save(&path, &data))?;
    Ok(Value::None)
}

fn load(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let path = path_arg(&mut args, 0)?;
    let a = split::files::load_npy(&path, args.call_span).map_err(|e| io_error(args.call_span, e))?;
    Ok(Value::Array(a))
}

fn savetxt(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let path = path_arg(&mut args, 0)?;
    let a = array(&mut args, 1)?;
    let delimiter = opt_str(&mut args, 2, ",")?;
    let fmt_span = args.span(3);
    let fmt = opt_str(&mut args, 3, "%.18e")?;
    io::text::check_format(&fmt).map_err(|e| Diag::new(Code::Value, fmt_span, e, "unsupported format"))?;
    let data = arrays::force_for_output(&a, args.span(1))?;
    write_on_rank_zero(args.call_span, || io::text::savetxt(&path, &data, &delimiter, &fmt))?;
    Ok(Value::None)
}

fn loadtxt(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let path = path_arg(&mut args, 0)?;
    let delimiter = opt_str(&mut args, 1, ",")?;
    let skip_span = args.span(2);
    let skiprows = opt_int(&mut args, 2, "skiprows")?.unwrap_or(0);
    let skiprows = usize::try_from(skiprows)
        .map_err(|_| Diag::new(Code::Value, skip_span, "`skiprows` must not be negative", "negative"))?;
    let dtype = opt_dtype(&mut args, 3)?.unwrap_or(DType::Float64);
    let data = read_everywhere(args.call_span, io::text::loadtxt(&path, &delimiter, skiprows, dtype))?;
    Ok(Value::Array(Node::from_data(data, args.call_span)))
}
